/**
 * The REST API's long-lived helpers, started with the HTTP server and stopped with it: outbound
 * messages (create and the scheduled-message sweep), status callbacks and opt-out keywords.
 */
import type { Gateway } from '../gateway/gateway.js';
import { OutboundMessages } from '../messages/outbound.js';
import { OptOuts } from '../messages/opt-outs.js';
import { StatusCallbacks, type RetryPolicy } from '../webhooks/status-callbacks.js';

export interface ApiServices {
  outbound: OutboundMessages;
  statusCallbacks: StatusCallbacks;
  optOuts: OptOuts;
  stop(): Promise<void>;
}

export function startApiServices(gateway: Gateway, options: { statusCallbackRetry?: Partial<RetryPolicy> } = {}): ApiServices {
  const outbound = new OutboundMessages(gateway);
  const statusCallbacks = new StatusCallbacks(gateway, options.statusCallbackRetry);
  const optOuts = new OptOuts(gateway);
  outbound.start();
  statusCallbacks.start(); // sends what a previous run left in the outbox
  return {
    outbound,
    statusCallbacks,
    optOuts,
    stop: async () => {
      await outbound.stop();
      await optOuts.stop();
      await statusCallbacks.close();
    },
  };
}
