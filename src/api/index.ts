// sidelet's public surface: createMesh(), mesh.fetch() and mesh.dispatcher() (inline mode), the
// config loader and the typed errors. Worker mode arrives with the rest of the runtime.
export { loadBootstrap, type BootstrapInput, type LoadedBootstrap } from '../config/load-bootstrap.ts';
export type { Bootstrap, NodeInfo, XdsServer } from '../config/bootstrap.ts';
export { listenerNameFor } from '../config/listener-name.ts';
export { ConfigError, MeshError, MESH_FAILURES, SideletError, type MeshFailureCode, type SideletErrorCode } from '../core/errors.ts';
export { createMesh, Mesh, type MeshOptions } from './mesh.ts';
export type { MeshCallOptions, MeshRequestInit } from './fetch-adapter.ts';
export { MeshDispatcher } from './mesh-dispatcher.ts';
export type { MeshDispatchOptions } from './dispatch-request.ts';
