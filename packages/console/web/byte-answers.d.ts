/**
 * @burrow/platform-api types a byte route's answer as Node's Buffer. This program has no Node
 * types (so no Node API slips into browser code) and calls no byte route; this names the type so
 * the route table type-checks, and gives no `Buffer` value to use.
 */
type Buffer = Uint8Array;
