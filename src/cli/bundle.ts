// Entry point of the single-file tsvirsh bundle (dist/tsvirsh.mjs, built by
// src/cli/gen/bundle.mjs). Loading ~60 small ES modules costs Node more than running any
// command, so the bundle holds the CLI, the library and the in-process test driver in one
// file. The registry loads driver modules with import(variable), which a bundle cannot follow,
// so the driver is registered here up front; register() only records a table.
import { register } from '../drivers/test/index.js';

register();
export { main } from './main.js';
