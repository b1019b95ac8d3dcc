// SPDX-License-Identifier: GPL-2.0
/*
 * Rundown protection (contract section 8): NMR counts each side's calls into
 * its peer, so that a module brackets a call with nmr_*_enter() and
 * nmr_*_exit() instead of hand-writing a counter, a lock and a complete.
 *
 * The counters are per CPU, so the fast path writes no shared cache line.
 * The binding's @open flag, set while it is attached, is what enter checks:
 *
 *   enter:  entered[side]++ on this CPU;  smp_mb();  read open
 *   close:  open = false;                 smp_mb();  later, sum entered[side]
 *
 * Either an enter sees the binding closed and backs out, or every sum taken
 * after the close counts it.  Exit is the mirror image: either it sees the
 * binding closed and rechecks the sum under nmr_lock, or the sum taken after
 * the close sees its decrement.  An enter backs out on the CPU it counted
 * on, with preemption off, so a sum never sees its decrement without its
 * increment; a sum of zero after the close therefore means that every
 * section of that side has exited and none can start.  The side's detach
 * then completes (binding.c), on the thread of the last exit when that
 * comes last, with no grace period or work item in between.
 *
 * A sum is only taken under nmr_lock, and a side whose sum reached zero
 * moves to DONE under it, once.  An exit may still be in its slow path
 * while that happens on another CPU and the binding is cleaned up, so
 * bindings are freed after an RCU grace period and the slow path runs
 * inside an RCU read-side section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>

#include "compat.h"
#include "nmr_internal.h"

/**
 * nmr_rundown_open_locked() - let the sides of @b enter calls into each other
 * @b: a binding whose provider has just attached.
 *
 * A late comer (a side deregistered during the attach) is never opened.
 *
 * Context: nmr_lock held.
 */
void nmr_rundown_open_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	if (!b->detach_requested)
		WRITE_ONCE(b->open, true);
}

/**
 * nmr_rundown_close_locked() - the detach of @b has begun: no new sections
 * @b: the binding.
 *
 * Context: nmr_lock held.
 */
void nmr_rundown_close_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	WRITE_ONCE(b->open, false);
	/* Pairs with the smp_mb() in nmr_enter() and nmr_exit(). */
	smp_mb();
}

/**
 * nmr_rundown_entered_locked() - sections @role's side has entered and not exited
 * @b: a closed binding.
 * @role: the side.
 *
 * The per-CPU counts wrap independently (a section may enter on one CPU
 * and exit on another); their sum is exact.  A negative sum means the side
 * exited more sections than it entered; it is reported and taken as none.
 *
 * Context: nmr_lock held.
 * Return: the number of sections still entered.
 */
int nmr_rundown_entered_locked(const struct nmr_binding *b, enum nmr_role role)
{
	unsigned int sum = 0;
	int cpu;

	lockdep_assert_held(&nmr_lock);
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(b->calls, cpu)->entered[role]);
	if ((int)sum < 0) {
		pr_warn_ratelimited("misuse: the %s side of binding %p exited %d more sections than it entered\n",
				    nmr_role_name(role), b, -(int)sum);
		return 0;
	}
	return sum;
}

static bool nmr_enter(struct nmr_binding *b, enum nmr_role role, unsigned long caller)
{
	bool finished;

	if (unlikely(!nmr_binding_check(b, caller)))
		return false;
	if (!READ_ONCE(b->open))
		return false;

	preempt_disable();
	this_cpu_inc(b->calls->entered[role]);
	/* Pairs with the smp_mb() in nmr_rundown_close_locked(). */
	smp_mb();
	if (likely(READ_ONCE(b->open))) {
		preempt_enable();
		return true;
	}
	/* Closed meanwhile: back out on this CPU, as an exit would. */
	this_cpu_dec(b->calls->entered[role]);
	/* As in nmr_exit(): the close's sum, or our recheck, sees the decrement. */
	smp_mb();
	finished = nmr_side_exited(b, role);
	preempt_enable();
	if (finished)
		nmr_binding_cleanup(b);
	return false;
}

static void nmr_exit(struct nmr_binding *b, enum nmr_role role, unsigned long caller)
{
	bool finished = false;

	if (unlikely(!nmr_binding_check(b, caller)))
		return;

	rcu_read_lock();
	this_cpu_dec(b->calls->entered[role]);
	/* Pairs with the smp_mb() in nmr_rundown_close_locked(). */
	smp_mb();
	if (unlikely(!READ_ONCE(b->open)))
		finished = nmr_side_exited(b, role);
	rcu_read_unlock();
	if (finished)
		nmr_binding_cleanup(b);
}

/**
 * nmr_client_enter() - start a call into the provider of @binding
 * @binding: the client's binding, from its attach callback.
 *
 * Succeeds from the moment nmr_client_attach_provider() has returned 0 (so
 * the attach callback may already call the provider) until the binding's
 * detach begins.  On success the provider stays attached, and the client
 * side's detach stays incomplete, until the matching nmr_client_exit().
 *
 * Context: any context, including hard IRQ; does not sleep.
 * Return: true when the client may call the provider; false once the
 * detach has begun (or before the attach), when it must not.
 */
bool nmr_client_enter(struct nmr_binding *binding)
{
	return nmr_enter(binding, NMR_CLIENT, _RET_IP_);
}
NMR_EXPORT(nmr_client_enter);

/**
 * nmr_client_exit() - end a call started by nmr_client_enter()
 * @binding: the binding given to nmr_client_enter().
 *
 * May run on another CPU than its enter.  When it ends the client side's
 * last section after the client's detach callback has returned, the client
 * side's detach completes here, and when the provider side is done too the
 * cleanup callbacks run on this thread before it returns.
 *
 * Context: any context, including hard IRQ; does not sleep.
 */
void nmr_client_exit(struct nmr_binding *binding)
{
	nmr_exit(binding, NMR_CLIENT, _RET_IP_);
}
NMR_EXPORT(nmr_client_exit);

/**
 * nmr_provider_enter() - start a call into the client of @binding
 * @binding: the provider's binding, from provider_attach_client().
 *
 * Succeeds from the moment provider_attach_client() has returned 0 until
 * the binding's detach begins.  On success the client stays attached, and
 * the provider side's detach stays incomplete, until the matching
 * nmr_provider_exit().
 *
 * Context: any context, including hard IRQ; does not sleep.
 * Return: true when the provider may call the client; false once the
 * detach has begun (or before the attach), when it must not.
 */
bool nmr_provider_enter(struct nmr_binding *binding)
{
	return nmr_enter(binding, NMR_PROVIDER, _RET_IP_);
}
NMR_EXPORT(nmr_provider_enter);

/**
 * nmr_provider_exit() - end a call started by nmr_provider_enter()
 * @binding: the binding given to nmr_provider_enter().
 *
 * May run on another CPU than its enter.  When it ends the provider side's
 * last section after the provider's detach callback has returned, the
 * provider side's detach completes here, and when the client side is done
 * too the cleanup callbacks run on this thread before it returns.
 *
 * Context: any context, including hard IRQ; does not sleep.
 */
void nmr_provider_exit(struct nmr_binding *binding)
{
	nmr_exit(binding, NMR_PROVIDER, _RET_IP_);
}
NMR_EXPORT(nmr_provider_exit);
