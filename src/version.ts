/**
 * The version, from deno.json (its single source).
 * @module
 */
import config from "../deno.json" with { type: "json" };

/** This program's version, e.g. `0.1.0`. */
export const VERSION: string = config.version;
