/*
 * liner 1.4 compatibility of include/liner.h and of the library, checked by the compiler and
 * the linker: every function of liner 1.4's C ABI (shared/reference/c-abi.md) must be
 * declared with exactly the 1.4 types in the 1.4 parameter order (_Static_assert over
 * _Generic, so a mismatch does not compile), every 1.4 constant must keep its value, and
 * the program links against every one of those symbols (a missing export does not link).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "liner.h"

/* liner 1.4's types, spelled without the header's typedefs. */
typedef void (*receive_cb_14)(const char *, const char *, const char *, size_t, void *);
typedef void (*status_cb_14)(int, const char *, const char *, const char *, void *);
typedef void (*log_cb_14)(const char *, void *);
typedef void (*addr_cb_14)(const char *, const char *, void *);
typedef void (*pending_cb_14)(const char *, const char *, const char *, long long, void *);

#define SAME_TYPE(expression, type) _Generic((expression), type: 1, default: 0)
#define EXPECT(function, type) \
    _Static_assert(SAME_TYPE(&function, type), #function " differs from liner 1.4")

_Static_assert(SAME_TYPE((lnr_hClient)0, void *), "lnr_hClient is void*");
_Static_assert(SAME_TYPE((lnr_uData)0, void *), "lnr_uData is void*");
_Static_assert(SAME_TYPE((lnr_receive_cb)0, receive_cb_14), "lnr_receive_cb");
_Static_assert(SAME_TYPE((lnr_status_cb)0, status_cb_14), "lnr_status_cb");
_Static_assert(SAME_TYPE((lnr_log_cb)0, log_cb_14), "lnr_log_cb");
_Static_assert(SAME_TYPE((lnr_addr_cb)0, addr_cb_14), "lnr_addr_cb");
_Static_assert(SAME_TYPE((lnr_pending_cb)0, pending_cb_14), "lnr_pending_cb");
_Static_assert(sizeof(bool) == 1, "bool results are 1-byte C bools (ctypes c_bool)");

EXPECT(lnr_version, const char *(*)(void));
EXPECT(lnr_new_client_redis, void *(*)(const char *, const char *, const char *, const char *));
EXPECT(lnr_new_client, void *(*)(const char *, const char *, const char *, const char *));
EXPECT(lnr_new_client_sqlite,
       void *(*)(const char *, const char *, const char *, const char *, const char *));
EXPECT(lnr_new_client_postgres,
       void *(*)(const char *, const char *, const char *, const char *));
EXPECT(lnr_last_error_code, int (*)(void *));
EXPECT(lnr_last_error_message, const char *(*)(void *));
EXPECT(lnr_run, bool (*)(void *, receive_cb_14, void *));
EXPECT(lnr_stop, bool (*)(void *));
EXPECT(lnr_is_running, bool (*)(void *));
EXPECT(lnr_send_to, bool (*)(void *, const char *, const char *, size_t, bool));
EXPECT(lnr_send_all, bool (*)(void *, const char *, const char *, size_t, bool));
EXPECT(lnr_subscribe, bool (*)(void *, const char *));
EXPECT(lnr_unsubscribe, bool (*)(void *, const char *));
EXPECT(lnr_refresh_address_topic, bool (*)(void *, const char *));
EXPECT(lnr_clear_stored_messages, bool (*)(void *));
EXPECT(lnr_clear_addresses_of_topic, bool (*)(void *));
EXPECT(lnr_delete_client, bool (*)(void *));
EXPECT(lnr_set_status_cb, bool (*)(void *, status_cb_14, void *));
EXPECT(lnr_set_log_cb, bool (*)(log_cb_14, void *));
EXPECT(lnr_list_addresses, bool (*)(void *, const char *, addr_cb_14, void *));
EXPECT(lnr_pending_count, long long (*)(void *));
EXPECT(lnr_pending_by_peer, bool (*)(void *, pending_cb_14, void *));
EXPECT(lnr_set_max_message_size, bool (*)(size_t));
EXPECT(lnr_get_max_message_size, size_t (*)(void));
EXPECT(lnr_set_compress_threshold, bool (*)(size_t));
EXPECT(lnr_get_compress_threshold, size_t (*)(void));
EXPECT(lnr_set_max_send_queue, bool (*)(size_t));
EXPECT(lnr_get_max_send_queue, size_t (*)(void));
EXPECT(lnr_set_advertise_addr, bool (*)(void *, const char *));
EXPECT(lnr_advertise_addr, const char *(*)(void *));
EXPECT(lnr_bound_listen_addr, const char *(*)(void *));
EXPECT(lnr_published_addr, const char *(*)(void *));

_Static_assert(LNR_OK == 0 && LNR_ERR_NOT_RUNNING == 1 && LNR_ERR_ALREADY_RUNNING == 2
                   && LNR_ERR_SELF_TOPIC == 3 && LNR_ERR_INTERNAL_TOPIC == 4
                   && LNR_ERR_NO_ADDR == 5 && LNR_ERR_BIND == 6 && LNR_ERR_STORE == 7
                   && LNR_ERR_INVALID_ARG == 8 && LNR_ERR_CLEAR_WHILE_RUNNING == 9
                   && LNR_ERR_STARTUP == 10 && LNR_ERR_BUSY == 11,
               "error codes of liner 1.4");
_Static_assert(LNR_PEER_CONNECTED == 1 && LNR_PEER_DISCONNECTED == 2
                   && LNR_PEER_SUBSCRIBED == 3 && LNR_PEER_UNSUBSCRIBED == 4
                   && LNR_SENDER_ROUTE_LOST == 5 && LNR_SENDER_STORE_ERROR == 6
                   && LNR_SENDER_SEND_ERROR == 7 && LNR_LISTENER_STORE_ERROR == 8
                   && LNR_SENDER_BUSY == 9,
               "status kinds of liner 1.4");

/* One reference per 1.4 function, so the link fails if the library lacks one. The cast to
 * void (*)(void) is the generic function pointer type of C. */
#define REF(function) (void (*)(void))function
static void (*const liner_14_functions[])(void) = {
    REF(lnr_version), REF(lnr_new_client_redis), REF(lnr_new_client),
    REF(lnr_new_client_sqlite), REF(lnr_new_client_postgres), REF(lnr_last_error_code),
    REF(lnr_last_error_message), REF(lnr_run), REF(lnr_stop), REF(lnr_is_running),
    REF(lnr_send_to), REF(lnr_send_all), REF(lnr_subscribe), REF(lnr_unsubscribe),
    REF(lnr_refresh_address_topic), REF(lnr_clear_stored_messages),
    REF(lnr_clear_addresses_of_topic), REF(lnr_delete_client), REF(lnr_set_status_cb),
    REF(lnr_set_log_cb), REF(lnr_list_addresses), REF(lnr_pending_count),
    REF(lnr_pending_by_peer), REF(lnr_set_max_message_size), REF(lnr_get_max_message_size),
    REF(lnr_set_compress_threshold), REF(lnr_get_compress_threshold),
    REF(lnr_set_max_send_queue), REF(lnr_get_max_send_queue), REF(lnr_set_advertise_addr),
    REF(lnr_advertise_addr), REF(lnr_bound_listen_addr), REF(lnr_published_addr),
};

int main(void)
{
    size_t count = sizeof liner_14_functions / sizeof liner_14_functions[0];
    for (size_t i = 0; i < count; i++) {
        if (liner_14_functions[i] == NULL) {
            fprintf(stderr, "abi_compat: function %zu is NULL\n", i);
            return 1;
        }
    }
    printf("abi_compat: all %zu functions of liner 1.4 present with their 1.4 types (%s)\n",
           count, lnr_version());
    return 0;
}
