"""Hostile files for the upload tests (issue #9, item 5): archives and decompression bombs, polyglots, huge
dimensions. Everything is built here (without Django), in memory and in milliseconds (bombs are assembled from
repeated deflate blocks, never held inflated), so the tests need nothing from outside."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter

GIB = 1024 * 1024 * 1024
_ZERO_MIB = b"\x00" * (1024 * 1024)


def deflate_zeros(size: int, *, raw: bool = False) -> bytes:
    """``size`` (a multiple of 1 MiB) zero bytes deflated, zlib-wrapped or raw (for ZIP members), in milliseconds:
    after a full flush the compressor forgets its history, so every further MiB of zeros deflates to the same bytes,
    which are repeated; the zlib trailer (Adler-32 of n zeros is ``n << 16 | 1``) is computed, not inflated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(_ZERO_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(_ZERO_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = first + repeated * (size // len(_ZERO_MIB) - 1) + b"\x03\x00"  # an empty final block ends the stream
    if raw:
        return body
    return b"\x78\xda" + body + struct.pack(">I", ((size % 65521) << 16) | 1)


def image_bytes(kind: str = "PNG", size=(40, 30)) -> bytes:
    """A real image (as tests.agreements.helpers makes, without importing Django: the memory probe runs this)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(buffer, format=kind)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bomb(inflated: int = GIB) -> bytes:
    """A ZIP whose one member inflates to ``inflated`` bytes (1 GiB: ~1 MB on disk), written by hand so the test
    never inflates it either."""
    data = deflate_zeros(inflated, raw=True)
    crc = 0
    for _ in range(inflated // len(_ZERO_MIB)):
        crc = zlib.crc32(_ZERO_MIB, crc)
    name = b"evidence.bin"
    zip64_extra = struct.pack("<HHQQ", 0x0001, 16, inflated, len(data))
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name),
                        len(zip64_extra)) + name + zip64_extra
    central_extra = struct.pack("<HHQQQ", 0x0001, 24, inflated, len(data), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(name), len(central_extra), 0, 0, 0, 0, 0) + name + central_extra
    directory_offset = len(local) + len(data)
    zip64_end = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(central), directory_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, directory_offset + len(central), 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), directory_offset, 0)
    return local + data + central + zip64_end + locator + end


def small_zip(payload: bytes = b"<script>alert(1)</script>", name: str = "index.html", *,
              stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def pdf_with_streams(streams: list[bytes], *, filters: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose page content is the given (already encoded) streams, written by hand (pypdf would
    inflate them to write the file)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    contents = " ".join(f"{4 + index} 0 R" for index in range(len(streams)))
    objects.append(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [{contents}] >>".encode())
    for data in streams:
        objects.append(f"<< /Length {len(data)} /Filter {filters} >>\nstream\n".encode() + data + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_flate_bomb(inflated: int = 2 * GIB) -> bytes:
    """A valid one-page PDF whose content stream inflates to ``inflated`` bytes (2 GiB: ~2 MB on disk)."""
    return pdf_with_streams([deflate_zeros(inflated)])


def pdf_many_streams_bomb(count: int = 6, each: int = 200 * 1024 * 1024) -> bytes:
    """Many streams each under the per-stream limit whose sum passes the per-document limit."""
    stream = deflate_zeros(each)
    return pdf_with_streams([stream] * count)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is patched to claim ``width``×``height``."""
    content = bytearray(image_bytes("JPEG", size=(16, 16)))
    position = content.find(b"\xff\xc0")
    struct.pack_into(">HH", content, position + 5, height, width)
    return bytes(content)


def png_claiming(width: int, height: int) -> bytes:
    content = bytearray(image_bytes("PNG", size=(16, 16)))
    struct.pack_into(">II", content, 16, width, height)
    struct.pack_into(">I", content, 29, zlib.crc32(bytes(content[12:29])) & 0xFFFFFFFF)
    return bytes(content)


def polyglots() -> dict[str, tuple[bytes, str]]:
    """name → (content, the kind the document checker should name in its message)."""
    jpeg, png, pdf = image_bytes("JPEG", size=(64, 48)), image_bytes("PNG", size=(64, 48)), pdf_bytes()
    html = b"<html><body><script>fetch('/api/').then(r => r.text())</script></body></html>\n"
    embedded = small_zip(b"%!PS hidden payload " * 20)
    pdf_zip_inside = pdf.replace(b"%%EOF", b"%" + embedded.replace(b"\n", b" ") + b"\n%%EOF")
    return {
        "jpeg+zip.jpg": (jpeg + small_zip(b"x" * 4000), "JPEG image"),
        "jpeg+html.jpg": (jpeg + html, "JPEG image"),
        "png+trailing.png": (png + b"TRAILER" + html, "PNG image"),
        "pdf+zip.pdf": (pdf + small_zip(), "PDF"),
        "pdf-zip-inside.pdf": (pdf_zip_inside, "PDF"),
        "junk+pdf.pdf": (html + pdf, "PDF"),
    }


def deflate_prefix_then_zeros(prefix: bytes, zeros: int) -> bytes:
    """``prefix`` followed by ``zeros`` zero bytes (a multiple of 1 MiB), zlib-wrapped, built as deflate_zeros is.
    Adler-32 over trailing zeros: ``a`` stays, ``b`` grows by ``n·a``."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    first = compressor.compress(_ZERO_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(_ZERO_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = head + first + repeated * (zeros // len(_ZERO_MIB) - 1) + b"\x03\x00"
    adler = zlib.adler32(prefix)
    low, high = adler & 0xFFFF, adler >> 16
    high = (high + zeros * low) % 65521
    return b"\x78\xda" + body + struct.pack(">I", (high << 16) | low)


def pdf_object_stream_bomb(zeros: int = GIB) -> bytes:
    """A PDF 1.5 whose catalog, page tree and page sit in a compressed object stream padded to inflate to 1 GiB:
    pypdf must inflate that stream to parse the file at all, so this bomb goes off inside pypdf itself."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
    offsets, position = [], 0
    for body in bodies:
        offsets.append(position)
        position += len(body) + 1
    header = " ".join(f"{number} {offset}" for number, offset in zip((1, 2, 3), offsets, strict=True)).encode() + b" "
    prefix = header + b" ".join(bodies) + b" "
    data = deflate_prefix_then_zeros(prefix, zeros)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    object_stream_at = out.tell()
    out.write(f"4 0 obj\n<< /Type /ObjStm /N 3 /First {len(header)} /Length {len(data)} /Filter /FlateDecode >>"
              f"\nstream\n".encode() + data + b"\nendstream\nendobj\n")
    xref_at = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 4, index) for index in range(3)]
    rows += [struct.pack(">BIH", 1, object_stream_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = b"".join(rows)
    out.write(f"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {len(table)} >>\nstream\n".encode()
              + table + b"\nendstream\nendobj\n")
    out.write(f"startxref\n{xref_at}\n%%EOF\n".encode())
    return out.getvalue()
