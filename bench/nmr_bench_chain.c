// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_bench_chain - what the IPv4 NF_INET_LOCAL_IN hooks loaded now cost
 * per packet, without the rest of the stack.
 *
 * At load it builds one IPv4 UDP packet and passes it @iters times through
 * NF_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN, ...), as ip_local_deliver()
 * does, with softirqs disabled as in the receive path, and with an okfn
 * that does nothing instead of UDP delivery.  It prints the median, over
 * @reps repetitions, of the time per packet:
 *
 *   nmr_bench_chain: RESULT chain reps=R iters=N median_ps=... min_ps=... max_ps=...
 *
 * make bench loads it with no hook, with bench/nmr_bench_hook.ko, and with
 * nmr_hook_provider and 1 to 16 nmr_hook_count clients (docs/bench.md): the
 * hooks are all that differs between those, and here they are all that is
 * timed.  The packets are timed in chunks of CHAIN_CHUNK, with softirqs
 * enabled between chunks.
 *
 * The packet is what those hooks read: an IP header, UDP ports, a device.
 * It has no route (no dst), so a hook that looks one up (iptables' addrtype
 * or nft's fib) must not be loaded with it.  Every hook must accept it: a
 * drop frees it (the module then fails to load with -EPROTO), and a hook
 * that queues it (NFQUEUE) would call back into this module's okfn later,
 * so the module then stays loaded for good, pinned, with no figure.
 *
 *   insmod nmr_bench_chain.ko [reps=11] [iters=100000]
 *   rmmod nmr_bench_chain	(its exit does nothing: make bench also times
 *				this rmmod, as the unload floor)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#define CHAIN_MAX_REPS	31
#define CHAIN_MAX_ITERS	10000000
#define CHAIN_CHUNK	10000

static unsigned int reps = 11;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions; the figure is their median (1-31, default 11)");

static unsigned int iters = 100000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "Packets passed through the hooks per repetition (1-10000000, default 100000)");

/* Set by the okfn: every hook accepted the packet. */
static bool chain_accepted;

static int chain_okfn(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	chain_accepted = true;
	return 0;
}

/* 127.0.0.1:40000 -> 127.0.0.1:7000, UDP, 32 bytes of payload. */
static struct sk_buff *chain_packet(void)
{
	unsigned int len = sizeof(struct iphdr) + sizeof(struct udphdr) + 32;
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + len, GFP_KERNEL);
	struct udphdr *uh;
	struct iphdr *iph;

	if (!skb)
		return NULL;
	skb_reserve(skb, LL_MAX_HEADER);
	/* As loopback leaves it for ip_rcv(): no link-layer header. */
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->tot_len = htons(len);
	iph->saddr = htonl(INADDR_LOOPBACK);
	iph->daddr = htonl(INADDR_LOOPBACK);
	ip_send_check(iph);
	skb_set_transport_header(skb, sizeof(*iph));
	uh = skb_put_zero(skb, sizeof(*uh) + 32);
	uh->source = htons(40000);
	uh->dest = htons(7000);
	uh->len = htons(sizeof(*uh) + 32);
	skb->protocol = htons(ETH_P_IP);
	skb->dev = init_net.loopback_dev;
	skb->skb_iif = skb->dev->ifindex;
	return skb;
}

static int chain_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Passes @skb through the hooks @n times, softirqs disabled as on the
 * receive path.  Returns the nanoseconds it took, or -EPROTO when a hook
 * did not accept the packet: *@stolen then says whether it was queued
 * rather than dropped.  Either way the packet is no longer ours.
 */
static s64 chain_run(struct sk_buff *skb, unsigned int n, bool *stolen)
{
	unsigned int i;
	u64 start, end;
	int ret = 0;

	local_bh_disable();
	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		chain_accepted = false;
		ret = NF_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN, &init_net, NULL, skb,
			      skb->dev, NULL, chain_okfn);
		if (ret || !chain_accepted)
			break;
	}
	end = ktime_get_ns();
	local_bh_enable();
	if (i < n) {
		*stolen = !ret;
		return -EPROTO;
	}
	return end - start;
}

static int __init chain_init(void)
{
	u64 ps[CHAIN_MAX_REPS];
	struct sk_buff *skb;
	unsigned int r, done;
	bool stolen;

	if (!reps || reps > CHAIN_MAX_REPS || !iters || iters > CHAIN_MAX_ITERS) {
		pr_err("reps must be 1-%d and iters 1-%d\n", CHAIN_MAX_REPS, CHAIN_MAX_ITERS);
		return -EINVAL;
	}
	skb = chain_packet();
	if (!skb)
		return -ENOMEM;
	for (r = 0; r < reps; r++) {
		u64 ns = 0;

		for (done = 0; done < iters; done += CHAIN_CHUNK) {
			s64 t = chain_run(skb, min(iters - done, CHAIN_CHUNK), &stolen);

			if (t < 0) {
				if (!stolen) {
					pr_err("a hook dropped the packet; no figure\n");
					return -EPROTO;
				}
				/* Its reinjection will call chain_okfn(). */
				__module_get(THIS_MODULE);
				pr_err("a hook queued the packet; no figure, and this module stays loaded\n");
				return 0;
			}
			ns += t;
			cond_resched();
		}
		ps[r] = div_u64(ns * 1000, iters);
	}
	consume_skb(skb);
	sort(ps, reps, sizeof(ps[0]), chain_cmp, NULL);
	pr_info("RESULT chain reps=%u iters=%u median_ps=%llu min_ps=%llu max_ps=%llu\n",
		reps, iters, ps[reps / 2], ps[0], ps[reps - 1]);
	return 0;
}
module_init(chain_init);

static void __exit chain_exit(void)
{
}
module_exit(chain_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmr benchmark: the cost per packet of the IPv4 local-in netfilter hooks");
