// sidelet's public surface. The embedded runtime (createMesh, fetch, dispatcher) arrives with
// the runtime; what is here now is the config loader and the typed errors.
export { loadBootstrap, type BootstrapInput, type LoadedBootstrap } from '../config/load-bootstrap.ts';
export type { Bootstrap, NodeInfo, XdsServer } from '../config/bootstrap.ts';
export { listenerNameFor } from '../config/listener-name.ts';
export { ConfigError, MeshError, MESH_FAILURES, SideletError, type MeshFailureCode, type SideletErrorCode } from '../core/errors.ts';
