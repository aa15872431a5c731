// The error a codec raises inside its own parsing when a frame field is malformed; the codec
// turns it into a `{ kind: 'error' }` result at its edge, so nothing throws out of a decoder.

export class FrameFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameFieldError';
  }
}

/** `8 MiB`, `512 KiB`, `100 bytes`: sizes in the words frame errors use. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** `0x0a`: one byte as frame errors show it. */
export function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}
