/**
 * For the `default` of a switch over a union: the call compiles only when every member has its
 * case, so a new member names each switch that must handle it. Throws if reached anyway (data
 * that did not pass validation).
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
