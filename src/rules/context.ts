import type { Inventory } from '../core/inventory.js';
import type { RuleContext } from './rule.js';

export function createRuleContext(inventory: Inventory): RuleContext {
  const cache = new Map<string, unknown>();
  return {
    inventory,
    shared<T>(key: string, build: () => T): T {
      // One lookup for what is there (rules ask tens of thousands of times a scan); `has` only for a stored undefined.
      let value = cache.get(key) as T | undefined;
      if (value === undefined && !cache.has(key)) cache.set(key, (value = build()));
      return value as T;
    },
  };
}
