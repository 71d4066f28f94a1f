/** Table row types of the engine migrations (see migrations/). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EngineTables {}
