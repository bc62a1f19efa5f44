"""Streaming authenticated encryption of a backup (issue #22): AES-256-GCM over 1 MiB chunks (the STREAM
construction), so a dump of any size is encrypted and checked without holding it in memory.

File layout: ``MAGIC`` | salt (16) | nonce prefix (7) | frames. A frame is the ciphertext length (4 bytes, big endian)
and the ciphertext (chunk + 16-byte tag). The chunk key is HKDF-SHA256(master key, salt); a chunk's nonce is the
prefix, its counter (4 bytes) and a final flag (1 byte), and the header is authenticated with every chunk. So an
edited, reordered, dropped or appended chunk, a truncated file and a wrong key all fail with ``BackupCorrupt``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"ALPRBAK1"
CHUNK = 1024 * 1024
TAG = 16
HEADER = len(MAGIC) + 16 + 7
MAX_FRAME = CHUNK + TAG

KEY_MISSING = ("BACKUP_ENCRYPTION_KEY is not set: backups are always encrypted. Generate a key with "
               "`python -c \"import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"`, "
               "keep it OUTSIDE the backup storage (a password manager or key vault), and set it in the environment.")
KEY_INVALID = "BACKUP_ENCRYPTION_KEY must be 32 random bytes, base64 (url-safe) encoded: 44 characters."


class BackupKeyError(Exception):
    pass


class BackupCorrupt(Exception):
    pass


def key_decode(value: str) -> bytes:
    if not value:
        raise BackupKeyError(KEY_MISSING)
    try:
        key = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        raise BackupKeyError(KEY_INVALID) from None
    if len(key) != 32:
        raise BackupKeyError(KEY_INVALID)
    return key


def _chunk_cipher(master: bytes, salt: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"alpr-portal backup v1").derive(master)
    return AESGCM(key)


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only file object: ``write`` plaintext, ``close`` writes the final chunk. ``sha256`` and ``size`` are
    of the encrypted bytes written to ``out``."""

    def __init__(self, out, master_key: bytes):
        self.out = out
        salt, self.prefix = os.urandom(16), os.urandom(7)
        self.cipher = _chunk_cipher(master_key, salt)
        self.header = MAGIC + salt + self.prefix
        self.digest = hashlib.sha256()
        self.size = 0
        self.counter = 0
        self.buffer = bytearray()
        self.closed = False
        self._emit(self.header)

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)

    def _frame(self, chunk: bytes, final: bool) -> None:
        if self.counter >= 2**32 - 1:
            raise BackupCorrupt("Backup too large for one stream (4 PiB).")
        sealed = self.cipher.encrypt(_nonce(self.prefix, self.counter, final), bytes(chunk), self.header)
        self._emit(struct.pack(">I", len(sealed)) + sealed)
        self.counter += 1

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back: the last chunk is the final one
            self._frame(self.buffer[:CHUNK], False)
            del self.buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed:
            self._frame(self.buffer, True)
            self.buffer = bytearray()
            self.closed = True

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


class DecryptingReader:
    """A read-only file object over an encrypted backup: ``read`` returns verified plaintext only. Raises
    ``BackupCorrupt`` at the first chunk that does not authenticate, and at the end if the final chunk is missing."""

    def __init__(self, source, master_key: bytes):
        self.source = source
        header = source.read(HEADER)
        if len(header) != HEADER or not header.startswith(MAGIC):
            raise BackupCorrupt("This is not an ALPR Portal backup file (wrong header).")
        self.header = header
        self.prefix = header[len(MAGIC) + 16:]
        self.cipher = _chunk_cipher(master_key, header[len(MAGIC):len(MAGIC) + 16])
        self.counter = 0
        self.buffer = b""
        self.done = False

    def _next(self) -> None:
        length_bytes = self.source.read(4)
        if len(length_bytes) < 4:
            raise BackupCorrupt("The backup is truncated: its final chunk is missing.")
        (length,) = struct.unpack(">I", length_bytes)
        if length < TAG or length > MAX_FRAME:
            raise BackupCorrupt(f"Chunk {self.counter} of the backup is damaged (impossible length).")
        sealed = self.source.read(length)
        if len(sealed) < length:
            raise BackupCorrupt("The backup is truncated: its final chunk is missing.")
        for final in (False, True):
            try:
                plain = self.cipher.decrypt(_nonce(self.prefix, self.counter, final), sealed, self.header)
            except InvalidTag:
                continue
            self.counter += 1
            self.buffer += plain
            if final:
                if self.source.read(1):
                    raise BackupCorrupt("The backup has data after its final chunk: it was tampered with.")
                self.done = True
            return
        raise BackupCorrupt(f"Chunk {self.counter} of the backup does not authenticate: the file was altered or "
                            "damaged, or BACKUP_ENCRYPTION_KEY is not the key it was made with.")

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._next()
        if size < 0:
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def verify_stream(source, master_key: bytes) -> int:
    """Read and authenticate every chunk; the plaintext size. Raises BackupCorrupt."""
    reader = DecryptingReader(source, master_key)
    total = 0
    while True:
        data = reader.read(CHUNK)
        if not data:
            return total
        total += len(data)
