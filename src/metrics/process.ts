/**
 * prom-client's default process and Node.js metrics (CPU, memory, heap, event-loop lag, GC, file
 * descriptors), collected once per process in a registry of their own: never the library's global
 * one, and never once per Parley, since several Parleys in one process (tests, the harness) would
 * each add a GC observer and an event-loop monitor that nothing can remove. Every Parley's
 * `/metrics` shows them beside its own registry.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Gauges the library names `_total`, which `promtool check metrics` refuses for anything but a
 * counter. Their per-type breakdowns stay (`nodejs_active_handles{type}` and the others):
 * `sum(nodejs_active_handles)` gives what they gave.
 */
const NOT_COUNTERS_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let shared: Registry | null = null;

export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
    for (const name of NOT_COUNTERS_NAMED_TOTAL) shared.removeSingleMetric(name);
  }
  return shared;
}
