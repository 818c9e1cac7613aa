"""Write `silence.mp3`: two seconds of silence as a valid MPEG-1 Layer III file, 8 kB.

ffmpeg is not needed for the tests: every frame is a 4-byte header (MPEG-1, Layer III,
32 kbit/s, 44.1 kHz, mono, no CRC) followed by all-zero side information and main data,
which a decoder plays as silence. 77 frames of 1152 samples are just over two seconds. The
browser test plays it to check that the player reads a real file's duration.

    python tests/data/make_silence_mp3.py tests/data/silence.mp3
"""

from __future__ import annotations

import sys
from pathlib import Path

HEADER = bytes([0xFF, 0xFB, 0x10, 0xC0])
FRAME_BYTES = 144 * 32000 // 44100  # 104: bit rate and sample rate, no padding
FRAMES = 77


def silence() -> bytes:
    frame = HEADER + bytes(FRAME_BYTES - len(HEADER))
    return frame * FRAMES


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(silence())
