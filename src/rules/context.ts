import type { Inventory } from '../core/inventory.js';
import type { RuleContext } from './rule.js';

export function createRuleContext(inventory: Inventory): RuleContext {
  const cache = new Map<string, unknown>();
  return {
    inventory,
    shared<T>(key: string, build: () => T): T {
      if (!cache.has(key)) cache.set(key, build());
      return cache.get(key) as T;
    },
  };
}
