// A small Hessian 2.0 reader for what the mesh needs from a Dubbo body — strings, ints and the
// attachments map — and a skipper that steps over any other value without building it, so
// a request's arguments cost a walk over their bytes and no allocation (hessian.js decodes fully).
// Grammar: the Hessian 2.0 serialization spec (hessian.caucho.com/doc/hessian-serialization.html).
import { FrameFieldError, hexByte } from '../xprotocol/frame-error.ts';
import { hashStep, TABLE_MAX_LENGTH, tableString } from '../xprotocol/string-table.ts';

/** Deeper nesting than any real argument has; bounds the skipper's recursion on hostile input. */
const MAX_DEPTH = 128;
const END = 0x5a; // 'Z', closes variable-length lists and maps

export class Hessian2Reader {
  readonly #buf: Buffer;
  #pos: number;
  readonly #end: number;
  /** Where errors say they happened, e.g. `dubbo request body`. */
  readonly #where: string;
  /** Field count of each class definition seen, in order: an object instance names its class by index. */
  readonly #classFields: number[] = [];

  constructor(buf: Buffer, start: number, end: number, where: string) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
    this.#where = where;
  }

  get atEnd(): boolean {
    return this.#pos >= this.#end;
  }

  /** The next byte without consuming it; -1 at the end. */
  peek(): number {
    return this.#pos < this.#end ? this.#buf[this.#pos]! : -1;
  }

  isString(): boolean {
    return isStringCode(this.peek());
  }

  isInt(): boolean {
    return isIntCode(this.peek());
  }

  /** A string, or '' for null. */
  readString(field: string): string {
    const code = this.#byte(field);
    if (code === 0x4e) return '';
    if (!isStringCode(code)) throw this.#unexpected(field, 'a string', code);
    return this.#stringFrom(code, field, true);
  }

  readInt(field: string): number {
    const code = this.#byte(field);
    if (!isIntCode(code)) throw this.#unexpected(field, 'an int', code);
    return this.#intFrom(code, field);
  }

  /**
   * A map of string keys, or null (no entries): calls `onEntry` for each entry whose value is a
   * string, int, long or boolean (as a string), and steps over entries with other keys or values.
   */
  readStringMap(field: string, onEntry: (name: string, value: string) => void): void {
    const code = this.#byte(field);
    if (code === 0x4e) return;
    if (code === 0x4d) this.#skipType(field);
    else if (code !== 0x48) throw this.#unexpected(field, 'a map', code);
    while (this.peek() !== END) {
      const key = this.isString() ? this.readString(field) : undefined;
      if (key === undefined) this.skipValue(field);
      const value = this.#scalar(field);
      if (key !== undefined && value !== undefined) onEntry(key, value);
    }
    this.#pos++;
  }

  /** Steps over one value of any type. */
  skipValue(field: string, depth = 0): void {
    if (depth > MAX_DEPTH) throw this.#error(field, `values nested deeper than ${MAX_DEPTH}`);
    const code = this.#byte(field);
    if (code <= 0x1f) return this.#skipChars(code, field);
    if (code <= 0x2f) return this.#skipBytes(code - 0x20, field);
    if (code <= 0x33) return this.#skipChars(((code - 0x30) << 8) | this.#byte(field), field);
    if (code <= 0x37) return this.#skipBytes(((code - 0x34) << 8) | this.#byte(field), field);
    if (code <= 0x3f) return this.#skipBytes(2, field); // long in three bytes
    if (code >= 0x80) {
      if (code <= 0xbf || (code >= 0xd8 && code <= 0xef)) return; // int or long in one byte
      if (code <= 0xcf || code >= 0xf0) return this.#skipBytes(1, field);
      return this.#skipBytes(2, field); // 0xd0-0xd7: int in three bytes
    }
    if (code >= 0x70) {
      if (code <= 0x77) this.#skipType(field);
      return this.#skipValues(code & 0x07, field, depth);
    }
    if (code >= 0x60) return this.#skipValues(this.#classFieldCount(code - 0x60, field), field, depth);
    switch (code) {
      case 0x41: // binary chunk, then more chunks
      case 0x42:
        return this.#skipBinaryFrom(code, field);
      case 0x43: // class definition, then the value that uses it
        this.#readClassDefinition(field);
        return this.skipValue(field, depth + 1);
      case 0x44: // double
      case 0x4a: // date in ms
      case 0x4c: // long
        return this.#skipBytes(8, field);
      case 0x46: // false
      case 0x4e: // null
      case 0x54: // true
      case 0x5b: // double 0.0
      case 0x5c: // double 1.0
        return;
      case 0x48: // untyped map
        return this.#skipUntilEnd(field, depth);
      case 0x49: // int
      case 0x4b: // date in minutes
      case 0x59: // long in four bytes
      case 0x5f: // double as int thousandths
        return this.#skipBytes(4, field);
      case 0x4d: // typed map
      case 0x55: // typed list, variable length
        this.#skipType(field);
        return this.#skipUntilEnd(field, depth);
      case 0x4f: // object instance
        return this.#skipValues(this.#classFieldCount(this.readInt(field), field), field, depth);
      case 0x51: // reference to an earlier value
        this.readInt(field);
        return;
      case 0x52: // string chunk, then more chunks
      case 0x53:
        this.#stringFrom(code, field, false);
        return;
      case 0x56: // typed list, fixed length
        this.#skipType(field);
        return this.#skipValues(this.#count(field), field, depth);
      case 0x57: // untyped list, variable length
        return this.#skipUntilEnd(field, depth);
      case 0x58: // untyped list, fixed length
        return this.#skipValues(this.#count(field), field, depth);
      case 0x5d:
        return this.#skipBytes(1, field);
      case 0x5e:
        return this.#skipBytes(2, field);
      default:
        throw this.#error(field, `byte ${hexByte(code)} at offset ${this.#pos - 1} starts no Hessian 2.0 value`);
    }
  }

  #scalar(field: string): string | undefined {
    const code = this.peek();
    if (isStringCode(code)) return this.readString(field);
    if (isIntCode(code)) return String(this.readInt(field));
    if (code === 0x54 || code === 0x46) {
      this.#pos++;
      return code === 0x54 ? 'true' : 'false';
    }
    const long = this.#long(field);
    if (long !== undefined) return long;
    this.skipValue(field);
    return undefined;
  }

  /** A long's decimal digits when the next value is a long; otherwise consumes nothing. */
  #long(field: string): string | undefined {
    const code = this.peek();
    if (code >= 0xd8 && code <= 0xef) {
      this.#pos++;
      return String(code - 0xe0);
    }
    if (code >= 0xf0 && code <= 0xff) {
      this.#pos++;
      return String(((code - 0xf8) << 8) | this.#byte(field));
    }
    if (code >= 0x38 && code <= 0x3f) {
      this.#pos++;
      this.#need(2, field);
      const value = ((code - 0x3c) << 16) | (this.#buf[this.#pos]! << 8) | this.#buf[this.#pos + 1]!;
      this.#pos += 2;
      return String(value);
    }
    if (code === 0x59 || code === 0x4c) {
      this.#pos++;
      const size = code === 0x59 ? 4 : 8;
      this.#need(size, field);
      const value = size === 4 ? this.#buf.readInt32BE(this.#pos) : this.#buf.readBigInt64BE(this.#pos);
      this.#pos += size;
      return String(value);
    }
    return undefined;
  }

  #intFrom(code: number, field: string): number {
    if (code >= 0x80 && code <= 0xbf) return code - 0x90;
    if (code >= 0xc0 && code <= 0xcf) return ((code - 0xc8) << 8) | this.#byte(field);
    const size = code === 0x49 ? 4 : 2;
    this.#need(size, field);
    const at = this.#pos;
    this.#pos += size;
    if (size === 4) return this.#buf.readInt32BE(at);
    return ((code - 0xd4) << 16) | (this.#buf[at]! << 8) | this.#buf[at + 1]!;
  }

  /** A string from its first chunk's code on; builds it only when `build`. */
  #stringFrom(first: number, field: string, build: boolean): string {
    let code = first;
    let out = '';
    for (;;) {
      let length: number;
      if (code <= 0x1f) length = code;
      else if (code >= 0x30 && code <= 0x33) length = ((code - 0x30) << 8) | this.#byte(field);
      else if (code === 0x52 || code === 0x53) length = this.#uint16(field);
      else throw this.#unexpected(field, 'a string chunk', code);
      if (build) out += this.#chars(length, field);
      else this.#skipChars(length, field);
      if (code !== 0x52) return out;
      code = this.#byte(field);
    }
  }

  /**
   * `count` UTF-16 code units in Hessian's UTF-8: Java writes each unit (surrogates too) in one
   * to three bytes; a four-byte sequence, which some writers use, counts as a surrogate pair.
   */
  #chars(count: number, field: string): string {
    const buf = this.#buf;
    const start = this.#pos;
    if (start + count <= this.#end) {
      let ascii = true;
      let hash = count;
      for (let i = start; i < start + count; i++) {
        const byte = buf[i]!;
        if (byte >= 0x80) {
          ascii = false;
          break;
        }
        hash = hashStep(hash, byte);
      }
      if (ascii) {
        this.#pos += count;
        return count <= TABLE_MAX_LENGTH ? tableString(buf, start, count, hash) : buf.toString('latin1', start, start + count);
      }
    }
    let out = '';
    for (let units = 0; units < count; ) {
      const unit = this.#codeUnit(field);
      if (unit > 0xffff) {
        if (units + 2 > count) throw this.#error(field, `a four-byte UTF-8 sequence crosses the string's end at offset ${this.#pos}`);
        out += String.fromCodePoint(unit);
        units += 2;
      } else {
        out += String.fromCharCode(unit);
        units++;
      }
    }
    return out;
  }

  #skipChars(count: number, field: string): void {
    const buf = this.#buf;
    for (let units = 0; units < count; ) {
      const lead = this.#pos < this.#end ? buf[this.#pos]! : -1;
      if (lead >= 0 && lead < 0x80) {
        this.#pos++;
        units++;
      } else {
        units += this.#codeUnit(field) > 0xffff ? 2 : 1;
      }
    }
  }

  /** One UTF-16 code unit, or a code point above 0xffff for a four-byte sequence. */
  #codeUnit(field: string): number {
    const lead = this.#byte(field);
    if (lead < 0x80) return lead;
    let extra: number;
    let value: number;
    if ((lead & 0xe0) === 0xc0) [extra, value] = [1, lead & 0x1f];
    else if ((lead & 0xf0) === 0xe0) [extra, value] = [2, lead & 0x0f];
    else if ((lead & 0xf8) === 0xf0) [extra, value] = [3, lead & 0x07];
    else throw this.#error(field, `byte ${hexByte(lead)} at offset ${this.#pos - 1} starts no UTF-8 character`);
    for (let i = 0; i < extra; i++) {
      const next = this.#byte(field);
      if ((next & 0xc0) !== 0x80) throw this.#error(field, `byte ${hexByte(next)} at offset ${this.#pos - 1} continues no UTF-8 character`);
      value = (value << 6) | (next & 0x3f);
    }
    return value;
  }

  #skipBinaryFrom(first: number, field: string): void {
    let code = first;
    for (;;) {
      if (code === 0x41 || code === 0x42) this.#skipBytes(this.#uint16(field), field);
      else if (code >= 0x20 && code <= 0x2f) this.#skipBytes(code - 0x20, field);
      else if (code >= 0x34 && code <= 0x37) this.#skipBytes(((code - 0x34) << 8) | this.#byte(field), field);
      else throw this.#unexpected(field, 'a binary chunk', code);
      if (code !== 0x41) return;
      code = this.#byte(field);
    }
  }

  /** A list's or map's type: a type name (string) or a reference to an earlier one (int). */
  #skipType(field: string): void {
    if (this.isString()) this.#stringFrom(this.#byte(field), field, false);
    else this.readInt(field);
  }

  #readClassDefinition(field: string): void {
    this.#stringFrom(this.#requireStringCode(field), field, false);
    const fields = this.#count(field);
    for (let i = 0; i < fields; i++) this.#stringFrom(this.#requireStringCode(field), field, false);
    this.#classFields.push(fields);
  }

  #requireStringCode(field: string): number {
    const code = this.#byte(field);
    if (!isStringCode(code)) throw this.#unexpected(field, 'a string', code);
    return code;
  }

  #classFieldCount(index: number, field: string): number {
    const count = this.#classFields[index];
    if (count === undefined) throw this.#error(field, `object of class definition ${index}, but only ${this.#classFields.length} are defined`);
    return count;
  }

  /** A length or count; each counted item takes at least a byte, so more than the bytes left is malformed. */
  #count(field: string): number {
    const count = this.readInt(field);
    if (count < 0 || count > this.#end - this.#pos) throw this.#error(field, `count ${count} at offset ${this.#pos} does not fit the ${this.#end - this.#pos} bytes left`);
    return count;
  }

  #skipValues(count: number, field: string, depth: number): void {
    for (let i = 0; i < count; i++) this.skipValue(field, depth + 1);
  }

  #skipUntilEnd(field: string, depth: number): void {
    while (this.peek() !== END) this.skipValue(field, depth + 1);
    this.#pos++;
  }

  #skipBytes(count: number, field: string): void {
    this.#need(count, field);
    this.#pos += count;
  }

  #uint16(field: string): number {
    this.#need(2, field);
    const value = this.#buf.readUInt16BE(this.#pos);
    this.#pos += 2;
    return value;
  }

  #byte(field: string): number {
    if (this.#pos >= this.#end) throw this.#truncated(field);
    return this.#buf[this.#pos++]!;
  }

  #need(count: number, field: string): void {
    if (this.#pos + count > this.#end) throw this.#truncated(field);
  }

  #truncated(field: string): FrameFieldError {
    return this.#error(field, `truncated at offset ${this.#end}`);
  }

  #unexpected(field: string, expected: string, code: number): FrameFieldError {
    return this.#error(field, `expected ${expected}, found byte ${hexByte(code)} at offset ${this.#pos - 1}`);
  }

  #error(field: string, reason: string): FrameFieldError {
    return new FrameFieldError(`${this.#where}: ${field}: ${reason}`);
  }
}

function isStringCode(code: number): boolean {
  return (code >= 0 && code <= 0x1f) || (code >= 0x30 && code <= 0x33) || code === 0x52 || code === 0x53;
}

function isIntCode(code: number): boolean {
  return (code >= 0x80 && code <= 0xd7) || code === 0x49;
}
