/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints nmr:*, one per step of a registration's and a binding's life,
 * for tracefs:
 *
 *   echo 1 > /sys/kernel/tracing/events/nmr/enable
 *   cat /sys/kernel/tracing/trace
 *
 * Registrations and bindings are named by the ids the logs use (owner#id);
 * a binding event carries its client's and its provider's.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nmr

#if !defined(_NMR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NMR_TRACE_H

#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "nmr_internal.h"

DECLARE_EVENT_CLASS(nmr_reg_class,
	TP_PROTO(const struct nmr_reg *reg, int ret),
	TP_ARGS(reg, ret),
	TP_STRUCT__entry(
		__array(char, owner, MODULE_NAME_LEN)
		__field(u32, id)
		__field(bool, client)
		__field(int, ret)
	),
	TP_fast_assign(
		strscpy(__entry->owner, nmr_reg_owner_name(reg), MODULE_NAME_LEN);
		__entry->id = reg->id;
		__entry->client = reg->role == NMR_CLIENT;
		__entry->ret = ret;
	),
	TP_printk("%s %s#%u ret=%d", __entry->client ? "client" : "provider",
		  __entry->owner, __entry->id, __entry->ret)
);

/* A registration entered the index (ret 0). */
DEFINE_EVENT(nmr_reg_class, nmr_register,
	TP_PROTO(const struct nmr_reg *reg, int ret), TP_ARGS(reg, ret));
/* A deregistration began (ret -EINPROGRESS). */
DEFINE_EVENT(nmr_reg_class, nmr_deregister,
	TP_PROTO(const struct nmr_reg *reg, int ret), TP_ARGS(reg, ret));
/* A wait returned: 0 when complete, -ETIMEDOUT. */
DEFINE_EVENT(nmr_reg_class, nmr_wait_done,
	TP_PROTO(const struct nmr_reg *reg, int ret), TP_ARGS(reg, ret));

DECLARE_EVENT_CLASS(nmr_binding_class,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret),
	TP_STRUCT__entry(
		__field(u32, client)
		__field(u32, provider)
		__field(bool, client_side)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->client = b->client->reg.id;
		__entry->provider = b->provider->reg.id;
		__entry->client_side = client_side;
		__entry->ret = ret;
	),
	TP_printk("client#%u provider#%u side=%s ret=%d", __entry->client,
		  __entry->provider, __entry->client_side ? "client" : "provider",
		  __entry->ret)
);

/* The client's attach callback is about to be called (side client). */
DEFINE_EVENT(nmr_binding_class, nmr_offer,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));
/* The attach settled: 0 attached, else what declined or failed it. */
DEFINE_EVENT(nmr_binding_class, nmr_attach,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));
/* A side's detach callback is about to be called. */
DEFINE_EVENT(nmr_binding_class, nmr_detach,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));
/* A side's detach callback returned ret. */
DEFINE_EVENT(nmr_binding_class, nmr_detach_result,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));
/* A side's complete function was called while it was pending. */
DEFINE_EVENT(nmr_binding_class, nmr_complete,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));
/* Both sides are done: the cleanup callbacks are about to run. */
DEFINE_EVENT(nmr_binding_class, nmr_cleanup,
	TP_PROTO(const struct nmr_binding *b, bool client_side, int ret),
	TP_ARGS(b, client_side, ret));

#endif /* _NMR_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nmr_trace
#include <trace/define_trace.h>
