// sidelet's public surface: createMesh() (worker or inline mode), mesh.fetch(), mesh.dispatcher(),
// mesh.invoke() for Dubbo and SOFA Bolt, the config loader and the typed errors.
export { loadBootstrap, type BootstrapInput, type LoadedBootstrap } from '../config/load-bootstrap.ts';
export type { Bootstrap, NodeInfo, XdsServer } from '../config/bootstrap.ts';
export { listenerNameFor } from '../config/listener-name.ts';
export { ConfigError, MeshError, MESH_FAILURES, SideletError, type MeshFailureCode, type SideletErrorCode } from '../core/errors.ts';
export { createMesh, Mesh, type MeshOptions, type RelayOptions } from './mesh.ts';
export { type InvokeOptions } from './invoke.ts';
export { RpcError, RpcServerError } from './rpc-errors.ts';
export type { MeshCallOptions, MeshRequestInit } from './fetch-adapter.ts';
export { MeshDispatcher } from './mesh-dispatcher.ts';
export type { MeshDispatchOptions } from './dispatch-request.ts';
