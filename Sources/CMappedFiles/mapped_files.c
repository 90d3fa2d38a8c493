#include "CMappedFiles.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

// A fixed table, so that the handler reads it without locks or allocation:
// a slot is claimed by setting `start` from 0 (compare-and-swap), filled,
// then published by setting `ready`.
#define SLOTS 64
#define MESSAGE_BYTES 512

static struct {
    _Atomic uintptr_t start;
    _Atomic size_t length;
    _Atomic int ready;
    char message[MESSAGE_BYTES];
} slots[SLOTS];

int gauss_mapped_file_register(const void *start, size_t length, const char *message) {
    uintptr_t address = (uintptr_t)start;
    if (address == 0) return -1;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t empty = 0;
        if (atomic_compare_exchange_strong(&slots[i].start, &empty, address)) {
            strncpy(slots[i].message, message, MESSAGE_BYTES - 2);
            slots[i].message[MESSAGE_BYTES - 2] = 0;
            size_t used = strlen(slots[i].message);
            slots[i].message[used] = '\n';
            slots[i].message[used + 1] = 0;
            atomic_store(&slots[i].length, length);
            atomic_store(&slots[i].ready, 1);
            return 0;
        }
    }
    return -1;
}

void gauss_mapped_file_unregister(const void *start) {
    uintptr_t address = (uintptr_t)start;
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&slots[i].start) == address && atomic_load(&slots[i].ready)) {
            atomic_store(&slots[i].ready, 0);
            atomic_store(&slots[i].length, 0);
            atomic_store(&slots[i].start, 0);
            return;
        }
    }
}

static char prefix[64];

static void on_bus_error(int signal, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        if (!atomic_load(&slots[i].ready)) continue;
        uintptr_t start = atomic_load(&slots[i].start);
        size_t length = atomic_load(&slots[i].length);
        if (address >= start && address - start < length) {
            const char *message = slots[i].message;
            ssize_t ignored = write(STDERR_FILENO, prefix, strlen(prefix));
            ignored = write(STDERR_FILENO, message, strlen(message));
            (void)ignored;
            _exit(1);
        }
    }
    // Not a mapped file of ours: the default action, as if no handler were here.
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, NULL);
}

void gauss_mapped_file_install_handler(const char *message_prefix) {
    strncpy(prefix, message_prefix, sizeof prefix - 1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, NULL);
}
