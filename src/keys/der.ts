// A minimal, strict DER reader and writer: just what private-key containers need (SEQUENCE, INTEGER,
// OCTET STRING, OBJECT IDENTIFIER, NULL, context tags). Hand-built so that reading a key file does not
// load a general ASN.1 library.
import { DamagedKeyError } from './errors.js';

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

export interface DerNode {
  /** The full identifier octet, e.g. 0x30 for SEQUENCE or 0xa0 for [0] constructed. */
  tag: number;
  /** The content octets. */
  value: Buffer;
  /** Parsed content of a constructed element; empty for primitives. */
  children: DerNode[];
}

/** Parses exactly one DER element filling `buf` (trailing bytes are an error). */
export function parseDer(buf: Buffer, what: string): DerNode {
  const [node, end] = readElement(buf, 0, what, 0);
  if (end !== buf.length) throw new DamagedKeyError(`${what}: ${buf.length - end} unexpected bytes after the DER structure`);
  return node;
}

const MAX_DEPTH = 16;

function readElement(buf: Buffer, offset: number, what: string, depth: number): [DerNode, number] {
  if (depth > MAX_DEPTH) throw new DamagedKeyError(`${what}: DER nesting too deep`);
  if (offset + 2 > buf.length) throw new DamagedKeyError(`${what}: truncated DER`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DamagedKeyError(`${what}: unsupported high-tag-number DER element`);
  let length = buf[offset + 1]!;
  let pos = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; 4 length octets cover any key file.
    if (octets === 0 || octets > 4) throw new DamagedKeyError(`${what}: invalid DER length`);
    if (pos + octets > buf.length) throw new DamagedKeyError(`${what}: truncated DER`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[pos + i]!;
    pos += octets;
  }
  const end = pos + length;
  if (end > buf.length) throw new DamagedKeyError(`${what}: truncated DER`);
  const value = buf.subarray(pos, end);
  const children: DerNode[] = [];
  if (tag & 0x20) {
    let p = pos;
    while (p < end) {
      const [child, next] = readElement(buf.subarray(0, end), p, what, depth + 1);
      children.push(child);
      p = next;
    }
  }
  return [{ tag, value, children }, end];
}

// ---- typed accessors (each throws a DamagedKeyError naming `what`) ----

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) {
    throw new DamagedKeyError(`${what}: expected tag 0x${tag.toString(16)}, found ${node ? `0x${node.tag.toString(16)}` : 'nothing'}`);
  }
  return node;
}

export function sequence(node: DerNode | undefined, what: string): DerNode[] {
  return expectTag(node, TAG.SEQUENCE, what).children;
}

export function octets(node: DerNode | undefined, what: string): Buffer {
  return expectTag(node, TAG.OCTET_STRING, what).value;
}

/** A non-negative INTEGER small enough for a JS number (versions, iteration counts, key lengths). */
export function smallInteger(node: DerNode | undefined, what: string): number {
  const v = expectTag(node, TAG.INTEGER, what).value;
  if (v.length === 0 || v.length > 6 || (v[0]! & 0x80) !== 0) throw new DamagedKeyError(`${what}: integer out of range`);
  return v.readUIntBE(0, v.length);
}

export function oid(node: DerNode | undefined, what: string): string {
  const v = expectTag(node, TAG.OID, what).value;
  if (v.length === 0) throw new DamagedKeyError(`${what}: empty object identifier`);
  const arcs: number[] = [];
  let acc = 0;
  for (const byte of v) {
    acc = acc * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(acc);
      acc = 0;
    }
  }
  if (v[v.length - 1]! & 0x80) throw new DamagedKeyError(`${what}: truncated object identifier`);
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

// ---- writer ----

export function encodeTlv(tag: number, value: Uint8Array): Buffer {
  const n = value.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else {
    const lengthBytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  return Buffer.concat([Buffer.from(header), value]);
}

export const derSequence = (...items: Buffer[]): Buffer => encodeTlv(TAG.SEQUENCE, Buffer.concat(items));
export const derOctets = (value: Uint8Array): Buffer => encodeTlv(TAG.OCTET_STRING, value);
export const derNull = (): Buffer => Buffer.from([TAG.NULL, 0]);

/** A non-negative integer (minimal two's-complement encoding). */
export function derInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`derInteger: ${n}`);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return encodeTlv(TAG.INTEGER, Buffer.from(bytes));
}

export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [a, b, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [a! * 40 + b!, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let r = Math.floor(arc / 128); r > 0; r = Math.floor(r / 128)) chunk.unshift((r & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return encodeTlv(TAG.OID, Buffer.from(bytes));
}
