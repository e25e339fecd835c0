export { startIngress, type RunningIngress } from './ingress.js';
export { ingressConfigSchema, type IngressConfig } from './config.js';
export { SOURCE_WEBHOOK_PATH } from './routes/webhooks.js';
