// placeholder
import type { HandlerTable } from './defs.js';
export const handlers: HandlerTable = {};
