/** A source of the current time, injected so tests can move it without sleeping. */
export type Clock = () => Date;
