// Writes proto/xds-descriptor.json, the JSON form of the proto subset the runtime loads.
// Run after editing proto/: `node src/xds/write-descriptor.ts`.
import { writeFileSync } from 'node:fs';
import { DESCRIPTOR_PATH, loadProtoRoot } from './proto-root.ts';

writeFileSync(DESCRIPTOR_PATH, `${JSON.stringify(loadProtoRoot().toJSON(), null, 1)}\n`);
console.log(`wrote ${DESCRIPTOR_PATH}`);
