/**
 * What an sftp channel did, for the recording (SSH-CONTRACT.md `sftp` events), read from the SFTP
 * v3 packets passing through (draft-ietf-secsh-filexfer-02); the bytes themselves are forwarded
 * unchanged by the caller and file contents are never recorded.
 *
 *   packet   uint32 length ‖ byte type ‖ uint32 request-id ‖ payload
 *   client   OPEN(3) string path, uint32 pflags      → event open {path, mode read|write}
 *            READ(5) string handle, uint64, uint32   WRITE(6) string handle, uint64, string data
 *            CLOSE(4) string handle                  → event close {path, bytes, direction}
 *            OPENDIR(11) REMOVE(13) MKDIR(14) RMDIR(15) path → event {operation, path}
 *            RENAME(18) string old, string new      → event rename {path, newPath}
 *            EXTENDED(200) "posix-rename@openssh.com", old, new → event rename
 *   server   HANDLE(102) string handle (answers OPEN)   DATA(103) string data (answers READ)
 *
 * Client events are on disk before the request is forwarded (the caller awaits fromClient).
 * A packet longer than MAX_SFTP_PACKET_BYTES stops the parsing of that direction (recorded once).
 */
import type { SshChannelRecorder } from './ssh-event-recorder.ts';

/** Larger than any packet OpenSSH's sftp sends (≤ 256 KiB); beyond it we stop parsing. */
export const MAX_SFTP_PACKET_BYTES = 1024 * 1024;

const OPEN = 3;
const CLOSE = 4;
const READ = 5;
const WRITE = 6;
const OPENDIR = 11;
const REMOVE = 13;
const MKDIR = 14;
const RMDIR = 15;
const RENAME = 18;
const EXTENDED = 200;
const HANDLE = 102;
const DATA = 103;
const PFLAG_WRITE = 0x02;

interface OpenFile {
  path: string;
  direction: 'upload' | 'download';
  bytes: number;
}

export class SftpOperationRecorder {
  private readonly recorder: SshChannelRecorder;
  private readonly client = new PacketSplitter();
  private readonly server = new PacketSplitter();
  private readonly opening = new Map<number, { path: string; direction: OpenFile['direction'] }>();
  private readonly reading = new Map<number, string>();
  private readonly files = new Map<string, OpenFile>();
  private gaveUp = false;

  constructor(recorder: SshChannelRecorder) {
    this.recorder = recorder;
  }

  /** Client → server bytes: records the operations they start. */
  async fromClient(chunk: Buffer): Promise<void> {
    for (const packet of this.client.push(chunk)) await this.clientPacket(packet);
    if (this.client.overflowed) await this.giveUp();
  }

  /** Server → client bytes: learns handles and counts bytes read. */
  fromServer(chunk: Buffer): void {
    for (const packet of this.server.push(chunk)) this.serverPacket(packet);
  }

  private async clientPacket(packet: Buffer): Promise<void> {
    const reader = new Reader(packet);
    const type = reader.byte();
    if (type === 1) return; // INIT has no request id
    const id = reader.uint32();
    switch (type) {
      case OPEN: {
        const path = reader.string().toString('utf8');
        const direction = (reader.uint32() & PFLAG_WRITE) !== 0 ? 'upload' : 'download';
        this.opening.set(id, { path, direction });
        await this.recorder.event('sftp', {
          operation: 'open',
          path,
          mode: direction === 'upload' ? 'write' : 'read',
        });
        return;
      }
      case READ:
        this.reading.set(id, reader.string().toString('latin1'));
        return;
      case WRITE: {
        const file = this.files.get(reader.string().toString('latin1'));
        reader.skip(8);
        if (file) file.bytes += reader.uint32();
        return;
      }
      case CLOSE: {
        const handle = reader.string().toString('latin1');
        const file = this.files.get(handle);
        if (!file) return;
        this.files.delete(handle);
        await this.recorder.event('sftp', {
          operation: 'close',
          path: file.path,
          direction: file.direction,
          bytes: file.bytes,
        });
        return;
      }
      case OPENDIR:
      case REMOVE:
      case MKDIR:
      case RMDIR: {
        const names: Record<number, string> = {
          [OPENDIR]: 'opendir',
          [REMOVE]: 'remove',
          [MKDIR]: 'mkdir',
          [RMDIR]: 'rmdir',
        };
        await this.recorder.event('sftp', {
          operation: names[type],
          path: reader.string().toString('utf8'),
        });
        return;
      }
      case RENAME: {
        const path = reader.string().toString('utf8');
        const newPath = reader.string().toString('utf8');
        await this.recorder.event('sftp', { operation: 'rename', path, newPath });
        return;
      }
      case EXTENDED: {
        // OpenSSH's sftp renames with posix-rename@openssh.com (old, new).
        if (reader.string().toString('latin1') !== 'posix-rename@openssh.com') return;
        const path = reader.string().toString('utf8');
        const newPath = reader.string().toString('utf8');
        await this.recorder.event('sftp', { operation: 'rename', path, newPath });
        return;
      }
      default:
        return;
    }
  }

  private serverPacket(packet: Buffer): void {
    const reader = new Reader(packet);
    const type = reader.byte();
    if (type === 2) return; // VERSION
    const id = reader.uint32();
    if (type === HANDLE) {
      const opened = this.opening.get(id);
      this.opening.delete(id);
      if (opened) this.files.set(reader.string().toString('latin1'), { ...opened, bytes: 0 });
    } else if (type === DATA) {
      const handle = this.reading.get(id);
      this.reading.delete(id);
      const file = handle === undefined ? undefined : this.files.get(handle);
      if (file) file.bytes += reader.uint32();
    } else {
      this.opening.delete(id);
      this.reading.delete(id);
    }
  }

  private async giveUp(): Promise<void> {
    if (this.gaveUp) return;
    this.gaveUp = true;
    await this.recorder.event('sftp', { operation: 'unparsed', reason: 'packet too large' });
  }
}

/** Splits a byte stream into SFTP packets (without their length prefix). */
class PacketSplitter {
  private buffered: Buffer = Buffer.alloc(0);
  overflowed = false;

  push(chunk: Buffer): Buffer[] {
    if (this.overflowed) return [];
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const packets: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > MAX_SFTP_PACKET_BYTES || length === 0) {
        this.overflowed = true;
        this.buffered = Buffer.alloc(0);
        return packets;
      }
      if (this.buffered.length < 4 + length) break;
      packets.push(this.buffered.subarray(4, 4 + length));
      this.buffered = this.buffered.subarray(4 + length);
    }
    return packets;
  }
}

/** Bounds-checked reads; a short packet reads as zeros / empty strings. */
class Reader {
  private offset = 0;
  private readonly data: Buffer;
  constructor(data: Buffer) {
    this.data = data;
  }
  byte(): number {
    return this.offset < this.data.length ? (this.data[this.offset++] as number) : 0;
  }
  uint32(): number {
    if (this.offset + 4 > this.data.length) return 0;
    const value = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  skip(n: number): void {
    this.offset += n;
  }
  string(): Buffer {
    const length = this.uint32();
    const end = Math.min(this.data.length, this.offset + length);
    const value = this.data.subarray(this.offset, end);
    this.offset = end;
    return value;
  }
}
