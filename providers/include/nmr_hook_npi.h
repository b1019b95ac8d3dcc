/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet hook NPI: a provider that owns a hook in the network stack
 * hands every packet to each attached client's classify function.
 *
 * DOC: The packet hook NPI
 *
 * This is the shape of an eBPF-for-Windows hook extension (a hook provider
 * module offering an attach point, programs attached to it as clients) or
 * of a WFP callout: the provider is called by the network stack, per
 * packet, in softirq context (the Windows DISPATCH_LEVEL), and calls every
 * client it is bound to, each call bracketed by nmr_provider_enter() and
 * nmr_provider_exit().  A client may be unloaded while packets flow: its
 * detach begins, no new call starts, and its module_exit returns once the
 * calls in flight on every CPU have returned.
 *
 * nmr_hook_provider owns a netfilter hook at %NF_INET_LOCAL_IN for IPv4 in
 * the initial network namespace, registered from its module_init to its
 * module_exit, whether or not a client is attached.  What the NPI defines:
 *
 * - the NPI id, %NMR_HOOK_NPI_ID;
 * - the NPI-specific characteristics both sides put in their registration
 *   instance, &struct nmr_hook_npi_chars, whose @version each side checks
 *   (a mismatch is declined with -ENODEV);
 * - the client dispatch table, &struct nmr_hook_client_dispatch, with the
 *   classify function the provider calls per packet;
 * - what a packet looks like to a client, &struct nmr_hook_packet.
 *
 * The provider has no dispatch table: its clients never call it.  A packet
 * is dropped when any client returns %NMR_HOOK_DROP; every attached client
 * sees every packet, whatever the others decided, so a counting client
 * counts packets a dropping client dropped.
 */
#ifndef _NMR_HOOK_NPI_H
#define _NMR_HOOK_NPI_H

#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <nmr/nmr.h>

/* {3c1d7a52-6e0b-4f0e-9b43-2f8e5d6a91c4} */
#define NMR_HOOK_NPI_ID \
	GUID_INIT(0x3c1d7a52, 0x6e0b, 0x4f0e, 0x9b, 0x43, 0x2f, 0x8e, 0x5d, 0x6a, 0x91, 0xc4)

/* The version of the NPI that the modules in this tree speak. */
#define NMR_HOOK_NPI_VERSION	1

/**
 * struct nmr_hook_npi_chars - NPI-specific characteristics of the hook NPI
 * @version: the NPI version the registration speaks; a peer declines a
 *	version it does not speak.
 * @name: a name for log lines and counters, unique among the clients.
 */
struct nmr_hook_npi_chars {
	u16 version;
	const char *name;
};

/**
 * struct nmr_hook_packet - one IPv4 packet, as the provider parsed it
 * @skb: the packet; the client must not change or keep it.
 * @saddr: the source address.
 * @daddr: the destination address.
 * @protocol: the IP protocol (%IPPROTO_TCP, %IPPROTO_UDP, ...).
 * @sport: the TCP or UDP source port; 0 for other protocols and fragments.
 * @dport: the TCP or UDP destination port; 0 likewise.
 * @len: the IP datagram's length, header included.
 */
struct nmr_hook_packet {
	const struct sk_buff *skb;
	__be32 saddr;
	__be32 daddr;
	u8 protocol;
	__be16 sport;
	__be16 dport;
	unsigned int len;
};

/**
 * enum nmr_hook_verdict - what a client decided for a packet
 * @NMR_HOOK_PASS: let the packet go on.
 * @NMR_HOOK_DROP: drop it.
 */
enum nmr_hook_verdict {
	NMR_HOOK_PASS,
	NMR_HOOK_DROP,
};

/**
 * struct nmr_hook_client_dispatch - the callback of a hook client
 * @classify: decide for @packet.  Called with the client binding context
 *	the client gave to nmr_client_attach_provider(), in softirq context,
 *	on any CPU, concurrently on several: it must not sleep, and what it
 *	counts it counts per CPU.  Required.
 */
struct nmr_hook_client_dispatch {
	enum nmr_hook_verdict (*classify)(void *client_binding_context,
					  const struct nmr_hook_packet *packet);
};

/**
 * nmr_hook_name() - the name a peer gave in its NPI-specific characteristics
 * @instance: the peer's registration instance, as passed to an attach
 *	callback.
 *
 * Return: the peer's &nmr_hook_npi_chars.name, for log lines.
 */
static inline const char *nmr_hook_name(const struct nmr_registration_instance *instance)
{
	const struct nmr_hook_npi_chars *chars = instance->npi_specific_characteristics;

	return chars && chars->name ? chars->name : "(unnamed)";
}

/**
 * nmr_hook_version() - the NPI version a peer speaks
 * @instance: the peer's registration instance.
 *
 * Return: the peer's &nmr_hook_npi_chars.version, or 0 when it gave none.
 */
static inline u16 nmr_hook_version(const struct nmr_registration_instance *instance)
{
	const struct nmr_hook_npi_chars *chars = instance->npi_specific_characteristics;

	return chars ? chars->version : 0;
}

#endif /* _NMR_HOOK_NPI_H */
