/*
 * megapak resolver plugin ABI 2.0, in C.
 *
 * This header mirrors `megapak_plugin_abi::PluginTable` and friends. A plugin is a shared
 * library named `libmegapak_plugin_<name>.so` exporting one function, `megapak_plugin`, that
 * returns a pointer to a table that lives as long as the library. The host reads `abi_major`
 * first and refuses the plugin unless it equals MEGAPAK_PLUGIN_ABI_MAJOR.
 *
 * Every function writes its answer into `*out`: JSON (wire schema 2, see plugins/README.md and
 * the example messages in crates/megapak-plugin-abi/golden/) when it returns MEGAPAK_STATUS_OK,
 * a UTF-8 message otherwise. `candidates` reads a candidates request and answers which versions
 * of each package the plugin can supply; `details` reads a details request and answers the
 * source and dependencies of chosen versions. The request is JSON of `request_len` bytes, not
 * NUL-terminated. The host hands every non-null buffer back to `free_buffer` exactly once and
 * never frees plugin memory itself.
 *
 * Threads: `describe`, `candidates`, `details` and `free_buffer` may be called from any thread,
 * and concurrently from several threads at once, in any mix (a `free_buffer` can run while a
 * `details` call is under way). Whatever `state` points to, and any other data these functions share,
 * must be read-only or synchronised (a mutex, atomics). `megapak_plugin` must do nothing but
 * return the table's address.
 *
 * Export `megapak_plugin` with MEGAPAK_PLUGIN_EXPORT, as in
 *
 *     MEGAPAK_PLUGIN_EXPORT const megapak_plugin_table *megapak_plugin(void) { return &TABLE; }
 *
 * so that it stays visible when the plugin is built with `-fvisibility=hidden`. The declarations
 * below are `extern "C"` in C++, so a plugin written in C++ exports the unmangled name.
 */
#ifndef MEGAPAK_PLUGIN_H
#define MEGAPAK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

/* Marks the definition of `megapak_plugin` as exported from the shared library whatever the
 * default symbol visibility (`-fvisibility=hidden`). */
#if defined(__GNUC__) || defined(__clang__)
#define MEGAPAK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MEGAPAK_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MEGAPAK_PLUGIN_ABI_MAJOR 2
#define MEGAPAK_PLUGIN_ABI_MINOR 0

#define MEGAPAK_STATUS_OK 0
#define MEGAPAK_STATUS_ERROR 1
#define MEGAPAK_STATUS_PANIC 2

typedef struct megapak_buffer {
    uint8_t *ptr; /* NULL for an empty buffer */
    size_t len;
} megapak_buffer;

typedef int32_t megapak_status;

typedef struct megapak_plugin_table {
    /* The header: its layout never changes. */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size; /* sizeof(megapak_plugin_table) as the plugin was compiled */
    /* Passed back to every function; may be NULL. */
    const void *state;
    /* Required since 2.0; later minors append functions after these. */
    megapak_status (*describe)(const void *state, megapak_buffer *out);
    megapak_status (*candidates)(const void *state, const uint8_t *request, size_t request_len,
                                 megapak_buffer *out);
    megapak_status (*details)(const void *state, const uint8_t *request, size_t request_len,
                              megapak_buffer *out);
    void (*free_buffer)(const void *state, megapak_buffer buffer);
} megapak_plugin_table;

/* The one exported symbol; define it with MEGAPAK_PLUGIN_EXPORT. */
MEGAPAK_PLUGIN_EXPORT const megapak_plugin_table *megapak_plugin(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(offsetof(megapak_plugin_table, state) == 8, "the header is 8 bytes");
static_assert(sizeof(megapak_plugin_table) == 8 + 5 * sizeof(void *), "ABI 2.0 table size");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(offsetof(megapak_plugin_table, state) == 8, "the header is 8 bytes");
_Static_assert(sizeof(megapak_plugin_table) == 8 + 5 * sizeof(void *), "ABI 2.0 table size");
#endif

#endif /* MEGAPAK_PLUGIN_H */
