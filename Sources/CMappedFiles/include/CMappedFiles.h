#ifndef GAUSS_CMAPPEDFILES_H
#define GAUSS_CMAPPEDFILES_H

#include <stddef.h>

/// Files mapped into memory can shrink while mapped (another program
/// truncates them); touching a page past the new end raises SIGBUS, which
/// by default kills the process without a word. These functions let a
/// program turn that into one message and exit status 1.

/// Records that [start, start + length) maps a file, with the message to
/// print if a read there faults. The message is copied. Returns 0, or -1
/// when every slot is taken (the range is then not guarded).
int gauss_mapped_file_register(const void *start, size_t length, const char *message);

/// Forgets the range that starts at `start`.
void gauss_mapped_file_unregister(const void *start);

/// Installs a SIGBUS handler for the whole process: a fault inside a
/// registered range writes `message_prefix` (up to 63 bytes), its message
/// and a newline to stderr and exits with status 1; any other SIGBUS gets
/// the default action. Call it once, from a program (not a library), early.
void gauss_mapped_file_install_handler(const char *message_prefix);

#endif
