export { ConfigError } from '@weft/runtime';
