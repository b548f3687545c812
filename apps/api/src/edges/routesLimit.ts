/** How many routes /edges/routes lists by default, and at most (the store's own bound). */
export const DEFAULT_ROUTES_LIMIT = 20;
export const MAX_ROUTES_LIMIT = 1000;
