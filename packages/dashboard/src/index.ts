export { createDashboard, type DashboardHandler, type DashboardOptions } from './dashboard.js';
export { escapeHtml } from './html.js';
export {
  serveDashboard,
  toNodeHandler,
  type DashboardServer,
  type NodeHandler,
  type ServeDashboardOptions,
} from './node.js';
