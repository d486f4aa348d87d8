/**
 * sshd_config: load (with Include), evaluate Match for a connection, read typed settings.
 *
 * Typical use:
 *   const loaded = await loadSshdConfig(source);                 // load.ts
 *   const cfg = effectiveSshdConfig(loaded, { user, host, addr }); // effective.ts
 *   authorizedKeysFiles(cfg, { user, home, uid });                // accessors.ts
 */
export * from './accessors';
export * from './effective';
export * from './load';
export * from './match';
export * from './tokenize';
