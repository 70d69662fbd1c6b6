// The stylesheet, shipped in the package (served at `<base>/assets/dashboard.css`): no CDN,
// no web font, so the dashboard works offline.
/** @internal */
export const DASHBOARD_CSS = `
:root { --fg:#1d2330; --muted:#6b7385; --bg:#f6f7f9; --card:#fff; --line:#e2e5ea; --accent:#2457c5;
  --ok:#1f8a4c; --bad:#c23a2b; --warn:#b7791f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2330; color: #fff; flex-wrap: wrap; }
header a, header .link { color: #cdd5e4; text-decoration: none; }
header nav { display: flex; gap: 4px; flex-wrap: wrap; }
header nav a { padding: 4px 10px; border-radius: 6px; }
header nav a.active, header nav a:hover { background: #37415a; color: #fff; }
.brand { font-size: 16px; letter-spacing: .5px; }
.spacer { flex: 1; }
.live-status { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #5a6275; }
.live-status.on { background: var(--ok); }
main { padding: 16px 20px 40px; max-width: 1280px; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
a { color: var(--accent); }
a.card { text-decoration: none; color: inherit; }
.muted { color: var(--muted); }
.mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #0f1420; color: #e6e9ef; padding: 10px 12px; border-radius: 6px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .3px; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-bottom: 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .name { color: var(--muted); font-size: 12px; }
.label { display: inline-block; background: #eef1f6; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; font-size: 12px; margin: 1px 0; }
.state { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; background: #eef1f6; }
.state.succeeded, .state.active, .state.open, .state.fired { background: #dff3e6; color: var(--ok); }
.state.failed, .state.dead-lettered, .state.failing { background: #fbe3e0; color: var(--bad); }
.state.paused, .state.cancelled, .state.delayed, .state.disabled { background: #fbf0dc; color: var(--warn); }
.state.running { background: #e2eafb; color: var(--accent); }
.tabs { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 10px; }
.tabs a { padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); text-decoration: none; }
.tabs a.active { background: var(--accent); color: #fff; border-color: var(--accent); }
form.filter { display: flex; gap: 8px; align-items: center; margin-bottom: 10px; flex-wrap: wrap; }
input[type=text], input[type=password] { padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; padding: 0; color: #cdd5e4; }
form.action, form.inline { display: inline-flex; gap: 6px; align-items: center; margin: 2px 4px 2px 0; }
.confirm { font-size: 12px; color: var(--muted); }
.notice { margin: 12px 20px 0; padding: 8px 12px; background: #dff3e6; border: 1px solid #b9e2c8; border-radius: 6px; max-width: 1240px; }
.error { padding: 8px 12px; background: #fbe3e0; border: 1px solid #f1c2bb; border-radius: 6px; }
.bar { height: 8px; background: #eef1f6; border-radius: 4px; overflow: hidden; min-width: 120px; }
.bar > span { display: block; height: 100%; background: var(--ok); }
.spark { display: flex; align-items: flex-end; gap: 3px; height: 36px; }
.spark span { width: 14px; background: var(--accent); border-radius: 2px 2px 0 0; min-height: 1px; }
.spark span.bad { background: var(--bad); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 0; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; word-break: break-word; }
ol.events { list-style: none; padding: 0; margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; max-height: 320px; overflow: auto; }
ol.events li { padding: 3px 10px; border-bottom: 1px solid var(--line); font-size: 12.5px; }
.next { display: inline-block; margin-top: 10px; }
details summary { cursor: pointer; }
.spark span.h0 { height: 3%; }
.spark span.h1 { height: 10%; }
.spark span.h2 { height: 20%; }
.spark span.h3 { height: 30%; }
.spark span.h4 { height: 40%; }
.spark span.h5 { height: 50%; }
.spark span.h6 { height: 60%; }
.spark span.h7 { height: 70%; }
.spark span.h8 { height: 80%; }
.spark span.h9 { height: 90%; }
.spark span.h10 { height: 100%; }
.bar > span.w0 { width: 0%; }
.bar > span.w1 { width: 5%; }
.bar > span.w2 { width: 10%; }
.bar > span.w3 { width: 15%; }
.bar > span.w4 { width: 20%; }
.bar > span.w5 { width: 25%; }
.bar > span.w6 { width: 30%; }
.bar > span.w7 { width: 35%; }
.bar > span.w8 { width: 40%; }
.bar > span.w9 { width: 45%; }
.bar > span.w10 { width: 50%; }
.bar > span.w11 { width: 55%; }
.bar > span.w12 { width: 60%; }
.bar > span.w13 { width: 65%; }
.bar > span.w14 { width: 70%; }
.bar > span.w15 { width: 75%; }
.bar > span.w16 { width: 80%; }
.bar > span.w17 { width: 85%; }
.bar > span.w18 { width: 90%; }
.bar > span.w19 { width: 95%; }
.bar > span.w20 { width: 100%; }
`;
