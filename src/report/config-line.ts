// The run's settings (config.json) as one line of text under its section.
import type { Json } from './runs';
import { escapeHtml } from './text';

export function configLine(config: Json): string {
  const value = (v: unknown): string => escapeHtml(typeof v === 'string' ? v : JSON.stringify(v));
  const items = Object.entries(config).map(([k, v]) => `${escapeHtml(k)} = ${value(v)}`);
  return `<p class="config">config.json: ${items.length ? items.join('; ') : '(empty)'}</p>`;
}
