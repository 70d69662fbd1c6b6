// The one client script (served at `<base>/assets/dashboard.js`, loaded with the page's CSP
// nonce). It listens to `<base>/events` (server-sent events from the app's event stream),
// lists them on the overview, and re-renders the page's <main> from the server when an event
// concerns it — at most once a second, never while a form in it has focus. It writes text
// only (textContent), never markup it was sent.
/** @internal */
export const DASHBOARD_JS = `'use strict';
(function () {
  var base = document.documentElement.getAttribute('data-base') || '';
  var status = document.getElementById('live-status');
  var recent = [];
  var timer = null;
  var last = 0;

  function main() { return document.getElementById('main'); }

  function concerns(event) {
    var m = main();
    var live = m ? m.getAttribute('data-live') : 'none';
    if (!live || live === 'none') return false;
    if (live === 'any') return true;
    if (live.indexOf('task:') === 0) {
      var d = event.data || {};
      var id = live.slice(5);
      return d.taskId === id || d.dlqId === id;
    }
    return false;
  }

  function busy() {
    var m = main();
    var a = document.activeElement;
    return !!(m && a && a !== document.body && m.contains(a) && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(a.tagName));
  }

  function refresh() {
    if (timer) return;
    var wait = Math.max(0, 1000 - (Date.now() - last));
    timer = setTimeout(function () {
      timer = null;
      if (busy()) { refresh(); return; }
      last = Date.now();
      fetch(location.href, { headers: { 'x-dashboard-fragment': '1' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (text === null) return;
          var doc = new DOMParser().parseFromString(text, 'text/html');
          var next = doc.getElementById('main');
          var current = main();
          if (next && current) { current.replaceWith(document.importNode(next, true)); renderLog(); }
        })
        .catch(function () { /* the next event tries again */ });
    }, wait);
  }

  function renderLog() {
    var list = document.getElementById('event-log');
    if (!list) return;
    list.textContent = '';
    recent.forEach(function (e) {
      var li = document.createElement('li');
      var d = e.data || {};
      li.appendChild(document.createTextNode(new Date(e.at).toLocaleTimeString() + ' ' + e.type + ' '));
      var id = d.taskId || d.workerId || d.dlqId || '';
      if (d.taskId) {
        var a = document.createElement('a');
        a.href = base + '/tasks/' + encodeURIComponent(d.taskId);
        a.textContent = d.taskId;
        a.className = 'mono';
        li.appendChild(a);
      } else if (id) {
        li.appendChild(document.createTextNode(String(id)));
      }
      if (d.name) li.appendChild(document.createTextNode(' ' + String(d.name)));
      li.setAttribute('data-type', String(e.type));
      list.appendChild(li);
    });
  }

  if (!window.EventSource) return;
  var source = new EventSource(base + '/events');
  source.onopen = function () {
    if (status) { status.textContent = 'live'; status.className = 'live-status on'; }
  };
  source.onerror = function () {
    if (status) { status.textContent = 'reconnecting'; status.className = 'live-status'; }
  };
  source.addEventListener('task', function (message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    recent.unshift(event);
    if (recent.length > 30) recent.length = 30;
    renderLog();
    if (concerns(event)) refresh();
  });
})();
`;
