/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sample NPIs shared by the sample providers and clients.
 *
 * DOC: The sample NPI
 *
 * An NPI is a contract between the modules that provide it and the modules
 * that use it; NMR only matches the two sides on the NPI's GUID.  Everything
 * else is defined here, in a header both sides include:
 *
 * - the NPI id, %NMR_SAMPLE_NPI_ID;
 * - the NPI-specific characteristics each side puts in its registration
 *   instance, &struct nmr_sample_npi_chars, whose @version a client checks
 *   before it attaches (a mismatch is declined with -ENODEV);
 * - the provider dispatch table, &struct nmr_sample_provider_dispatch, that
 *   the client calls with the provider binding context;
 * - the client dispatch table, &struct nmr_sample_client_dispatch, that the
 *   provider calls back with the client binding context.
 *
 * A second NPI, %NMR_SAMPLE_BRIDGE_NPI_ID, is provided by nmr_sample_bridge
 * on top of the first: its one function forwards to a provider of the sample
 * NPI that the bridge is bound to.
 *
 * Both NPIs follow NMR's rule for calls into a peer: a side starts a call
 * into its peer only while the binding is attached and its detach has not
 * begun, and a call that is still in flight when the detach callback runs
 * keeps that side's detach open until the call returns.  The client and the
 * bridge keep that count themselves (the Windows pattern: -EINPROGRESS, then
 * the complete function); the async provider lets NMR keep it, with
 * nmr_provider_enter() and nmr_provider_exit().
 */
#ifndef _NMR_SAMPLE_NPI_H
#define _NMR_SAMPLE_NPI_H

#include <linux/types.h>
#include <linux/uuid.h>
#include <nmr/nmr.h>

/* {78cab5c3-128f-45b3-a59c-547c8475f33d} */
#define NMR_SAMPLE_NPI_ID \
	GUID_INIT(0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54, 0x7c, 0x84, 0x75, 0xf3, 0x3d)

/* {fbd80de3-8095-4d96-8475-918f69443bc9} */
#define NMR_SAMPLE_BRIDGE_NPI_ID \
	GUID_INIT(0xfbd80de3, 0x8095, 0x4d96, 0x84, 0x75, 0x91, 0x8f, 0x69, 0x44, 0x3b, 0xc9)

/* The version of both NPIs that the samples in this tree speak. */
#define NMR_SAMPLE_NPI_VERSION		1

/**
 * struct nmr_sample_npi_chars - NPI-specific characteristics of the sample NPIs
 * @version: the NPI version the registration speaks; a client declines a
 *	provider whose version differs from its own.
 * @name: a name for log lines, usually KBUILD_MODNAME.
 *
 * Put in &nmr_registration_instance.npi_specific_characteristics by
 * providers and clients of both sample NPIs.
 */
struct nmr_sample_npi_chars {
	u16 version;
	const char *name;
};

/**
 * struct nmr_sample_stats - what a provider counted for one binding
 * @calls: calls the client made into the provider on this binding.
 * @sum: the sum of the values given to &nmr_sample_provider_dispatch.add.
 */
struct nmr_sample_stats {
	u64 calls;
	u64 sum;
};

/**
 * struct nmr_sample_provider_dispatch - the functions of a sample provider
 * @add: add @value to the binding's sum and return the new sum.  Any
 *	context; does not sleep.
 * @request: ask for a request to be served.  On success the provider calls
 *	&nmr_sample_client_dispatch.request_done with @cookie before it
 *	returns 0.  Returns -ESHUTDOWN when the provider's detach has begun
 *	and it no longer calls the client.  Process context; may sleep.
 * @get_stats: fill @stats for the binding.  Any context; does not sleep.
 *
 * Every function takes the provider binding context the provider returned
 * from its provider_attach_client() callback.
 */
struct nmr_sample_provider_dispatch {
	u64 (*add)(void *provider_binding_context, u32 value);
	int (*request)(void *provider_binding_context, u32 cookie);
	void (*get_stats)(void *provider_binding_context, struct nmr_sample_stats *stats);
};

/**
 * struct nmr_sample_client_dispatch - the callbacks of a sample client
 * @request_done: a request made with &nmr_sample_provider_dispatch.request
 *	was served; @status is 0.  May be called in atomic context; must not
 *	sleep.
 *
 * Called with the client binding context the client gave to
 * nmr_client_attach_provider().
 */
struct nmr_sample_client_dispatch {
	void (*request_done)(void *client_binding_context, u32 cookie, int status);
};

/**
 * struct nmr_sample_bridge_dispatch - the function of the bridge NPI
 * @forward_add: add @value through one provider of the sample NPI the
 *	bridge is bound to, and store that binding's new sum in *@sum.
 *	Returns 0, or -ENODEV when the bridge has no provider to forward to.
 *	Any context; does not sleep.
 *
 * The bridge NPI has no client dispatch table: its provider never calls
 * its clients.
 */
struct nmr_sample_bridge_dispatch {
	int (*forward_add)(void *provider_binding_context, u32 value, u64 *sum);
};

/**
 * nmr_sample_name() - the name a peer gave in its NPI-specific characteristics
 * @instance: the peer's registration instance, as passed to an attach
 *	callback.
 *
 * Return: the peer's &nmr_sample_npi_chars.name, for log lines.
 */
static inline const char *nmr_sample_name(const struct nmr_registration_instance *instance)
{
	const struct nmr_sample_npi_chars *chars = instance->npi_specific_characteristics;

	return chars && chars->name ? chars->name : "(unnamed)";
}

#endif /* _NMR_SAMPLE_NPI_H */
