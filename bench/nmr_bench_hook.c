// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_bench_hook - the packet-path benchmark's baseline: a bare netfilter
 * hook doing the counting client's work itself.
 *
 * It hooks NF_INET_LOCAL_IN (IPv4, initial network namespace) at the
 * priority nmr_hook_provider uses and counts every packet, per CPU, by
 * protocol, as nmr_hook_count's classify function does, with no NPI, no
 * binding and no guard in between.  make bench floods the stack with this
 * loaded, with nmr_hook_provider and 1 to 16 nmr_hook_count clients loaded
 * instead, and with no hook at all; docs/bench.md.
 *
 *   insmod nmr_bench_hook.ko
 *   rmmod nmr_bench_hook		(logs what it counted)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>

enum bench_hook_kind { BH_TCP, BH_UDP, BH_ICMP, BH_OTHER, BH_KINDS };

static DEFINE_PER_CPU(u64 [BH_KINDS], bench_hook_packets);

static enum bench_hook_kind bench_hook_kind_of(u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return BH_TCP;
	case IPPROTO_UDP:
		return BH_UDP;
	case IPPROTO_ICMP:
		return BH_ICMP;
	default:
		return BH_OTHER;
	}
}

/* Softirq context, in an RCU read-side critical section (nf_hook()). */
static unsigned int bench_hook_local_in(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	this_cpu_inc(bench_hook_packets[bench_hook_kind_of(ip_hdr(skb)->protocol)]);
	return NF_ACCEPT;
}

static const struct nf_hook_ops bench_hook_ops = {
	.hook = bench_hook_local_in,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_LOCAL_IN,
	.priority = NF_IP_PRI_FILTER,
};

static int __init bench_hook_init(void)
{
	int ret = nf_register_net_hook(&init_net, &bench_hook_ops);

	if (ret)
		pr_err("netfilter hook registration failed: %d\n", ret);
	return ret;
}
module_init(bench_hook_init);

static void __exit bench_hook_exit(void)
{
	u64 sums[BH_KINDS] = { 0 };
	enum bench_hook_kind kind;
	int cpu;

	nf_unregister_net_hook(&init_net, &bench_hook_ops);
	for_each_possible_cpu(cpu)
		for (kind = 0; kind < BH_KINDS; kind++)
			sums[kind] += per_cpu(bench_hook_packets, cpu)[kind];
	pr_info("unhooked: counted tcp %llu, udp %llu, icmp %llu, other %llu\n",
		sums[BH_TCP], sums[BH_UDP], sums[BH_ICMP], sums[BH_OTHER]);
}
module_exit(bench_hook_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr benchmark: a bare netfilter hook counting packets by protocol");
