/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * A Promela model of the nmr core (nmr/registry.c, nmr/binding.c,
 * nmr/rundown.c) as fixed for issue 12, checked by Spin: registrations,
 * offers, the binding and side state machines, pending detach and
 * complete, rundown enter/exit on two CPUs with per-CPU counters, the
 * fence, the RCU-deferred free, and the waits.  docs/design.md, "The Spin
 * model", maps every step to the C function that makes it;
 * scripts/model-check.sh runs the configurations, scripts/model-mutations.sh
 * the seeded bugs (MUTATION_*).
 *
 * Conventions.
 * - Names are the C code's: states NMR_BINDING_*, NMR_SIDE_*, NMR_REG_*;
 *   b_<field>[b] stands for b->field, s_<field>[S(b, role)] for
 *   b->side[role].field, r_<field>[r] for reg->field.  The comment on each
 *   step names the C function that makes it.
 * - One atomic { } is one step: an nmr_lock critical section, or one
 *   access of the lock-free fast path.  Where the code runs a module
 *   callback between two critical sections and nothing another thread can
 *   see changes in between, the callback is folded into the step before or
 *   after it (it commutes with every other process's steps, so no
 *   behaviour is lost, only intermediate states).  Each such fold says so.
 *   The model is sequentially consistent; the weak-memory argument for
 *   rundown.c is in rundown.c's comments.
 * - g_* are ghost variables (what happened, for the properties), m_* what
 *   the modules know or owe (their side of the contract).  Neither is in
 *   the C code.
 *
 * Configuration (-D on the spin command line, see scripts/model-check.sh):
 *   NP, NC        providers, clients (1 or 2 each)
 *   SECT          bit b set: both sides of binding b run a thread that
 *                 enters and exits NSECT sections, each on either CPU
 *   NSECT         sections per such thread (default 1)
 *   SECTP         0: only the clients run section threads (default 1: both)
 *   SECT2         bit b set (with SECT): b's client runs a second such
 *                 thread, so two of its sections can be entered at once
 *   CPUS          2: a section enters on either CPU; else the client's on
 *                 CPU 0 and the provider's on CPU 1 (exits: either CPU)
 *   RETRY         bit b set: b's client may call nmr_client_attach_provider()
 *                 again after the provider declined
 *   ENOMEM        bit r set: registration r's register may fail with -ENOMEM
 *   TIMED         bit r set: r's first wait has a timeout (and may time out)
 *   WAIT2         bit r set: a second thread waits for r, racing the first
 *   SAME          bit r set: r deregisters on its register thread, after
 *                 register returned (else on a thread of its own, from the
 *                 moment the handle is published)
 *   INLINE        detach callbacks may also call their complete before
 *                 returning -EINPROGRESS
 *   DECL          bit b set: b's client and provider may decline
 *   FAIL          bit b set: b's client may fail after it attached
 *   PEND          bit b set: b's detach callbacks may return -EINPROGRESS
 *                 (else they return 0); each defaults to every binding
 */

#ifndef NP
#define NP 2
#endif
#ifndef NC
#define NC 2
#endif
#ifndef SECT
#define SECT 0
#endif
#ifndef SECT2
#define SECT2 0
#endif
#ifndef SECTP
#define SECTP 1
#endif
#ifndef NSECT
#define NSECT 1
#endif
#ifndef RETRY
#define RETRY 0
#endif
#ifndef ENOMEM
#define ENOMEM 0
#endif
#ifndef TIMED
#define TIMED 0
#endif
#ifndef WAIT2
#define WAIT2 0
#endif
#ifndef CPUS
#define CPUS 1
#endif
#ifndef SAME
#define SAME 0
#endif
#ifndef PEND
#define PEND 15
#endif
#ifndef DECL
#define DECL 15
#endif
#ifndef FAIL
#define FAIL 15
#endif

#define NREG	(NP + NC)
#define NB	(NP * NC)
#define NS	(NB * 2)
#define NCPU	2
#define MAXR	4
#define MAXB	4
#define MAXS	8

/* enum nmr_role */
#define NMR_CLIENT	0
#define NMR_PROVIDER	1

/* enum nmr_reg_state; kzalloc() makes a new registration REGISTERED */
#define NMR_REG_REGISTERED	0
#define NMR_REG_DEREGISTERING	1

/* enum nmr_binding_state */
#define NMR_BINDING_OFFERED	0
#define NMR_BINDING_ATTACHING	1
#define NMR_BINDING_ATTACHED	2
#define NMR_BINDING_DETACHING	3
#define NMR_BINDING_CLEANUP	4

/* enum nmr_side_state */
#define NMR_SIDE_NONE		0
#define NMR_SIDE_ATTACHED	1
#define NMR_SIDE_DETACHING	2
#define NMR_SIDE_PENDING	3
#define NMR_SIDE_DRAINING	4
#define NMR_SIDE_DONE		5

/* Return values */
#define OK		0
#define ENODEV		1	/* -ENODEV: decline */
#define EINPROGRESS	2	/* -EINPROGRESS: detach pending */
#define EFAIL		3	/* the client's error after it attached */
#define ETIMEDOUT	4
#define EINVAL		5

/*
 * Registrations 0 .. NP-1 are the providers, NP .. NP+NC-1 the clients.
 * Binding b is the pair (client CLI(b), provider PRV(b)); each
 * registration registers once, so a pair has at most one binding.
 */
#define CLI(b)		(NP + (b) / NP)
#define PRV(b)		((b) % NP)
#define S(b, role)	((b) * 2 + (role))
#define REG(b, role)	((role) == NMR_CLIENT -> CLI(b) : PRV(b))
#define B_HAS(b, r)	((r) < NP -> PRV(b) == (r) : CLI(b) == (r))
#define PEER(b, r)	((r) < NP -> CLI(b) : PRV(b))
#define BIT(x)		(1 << (x))

/* ---- struct nmr_reg ---- */
byte r_state[MAXR];	/* NMR_REG_* */
bool r_npi[MAXR];	/* reg->npi != NULL: in the NPI index */
bool r_pub[MAXR];	/* *handle written: other threads may use it */
byte r_users[MAXR];	/* reg->users; the wait returns at 0 */
bool r_waited[MAXR];
byte r_offers[MAXR];	/* reg->offers, as a set of bindings */
bool r_failed[MAXR];	/* ghost: register returned -ENOMEM */
bool r_freed[MAXR];	/* ghost: the wait returned 0 and freed it */
bool r_dereg[MAXR];	/* ghost: deregister returned */

/* ---- struct nmr_binding ---- */
byte b_state[MAXB];
bool b_linked[MAXB];	/* on both registrations' @bindings lists */
bool b_provider_attached[MAXB];
bool b_detach_requested[MAXB];
bool b_open[MAXB];
bool b_opened[MAXB];
bool b_closed[MAXB];
bool b_used[MAXB];
bool b_fenced[MAXB];
bool b_freed[MAXB];	/* its RCU-deferred free ran */
/* ---- struct nmr_side, b->side[role] ---- */
byte s_state[MAXS];
bool s_completed[MAXS];
bool s_cleanup[MAXS];
/* ---- struct nmr_calls: per-CPU counters, b->calls[cpu].entered[role] ---- */
byte cnt[MAXS * NCPU];
#define CNT(s, cpu)	cnt[(s) * NCPU + (cpu)]
/* nmr_rundown_entered_locked(): the sum wraps like the unsigned counters */
#define SUM(s)		((CNT(s, 0) + CNT(s, 1)) % 256)
/* nmr_side_drained_locked() */
#define DRAINED(b, role) (b_fenced[b] && SUM(S(b, role)) == 0)

/* ---- RCU: the fence's grace period, and the call_rcu() frees ---- */
byte nest[NCPU];	/* preempt-disabled regions running on each CPU */
bool fqs[NCPU];		/* the fence's grace period waits for this CPU */
bool rqs[NCPU];		/* the frees' grace period waits for this CPU */
byte fence_list;	/* nmr_fence_list: closed bindings to fence */
byte free_list;		/* bindings given to call_rcu() */
byte fin_list;		/* finished bindings whose puts (nmr_binding_cleanup()) are owed */

/* ---- ghosts: what happened ---- */
byte g_offers[MAXB];	/* nmr_binding_link_locked() calls */
byte g_bound[MAXB];	/* times the binding became ATTACHED */
bool g_gone[MAXB];	/* dropped, or cleaned up: unlinked for good */
bool g_fin[MAXB];	/* finished: its cleanup is owed or done */
bool g_inbatch[MAXB];	/* b->work is on a deregistration's batch */
bool g_attached[MAXS];	/* the side became NMR_SIDE_ATTACHED */
byte g_detach[MAXS];	/* detach callback calls */
byte g_cleanup[MAXS];	/* cleanup callback calls */
bool g_moddone[MAXS];	/* detach returned 0, or the side called complete */
byte g_insec[MAXS];	/* sections entered (enter returned true), not exited */
/* ---- the modules' side ---- */
bool m_may_enter[MAXS];	/* the module holds the binding: may call enter */
bool m_should_open[MAXS]; /* enter must succeed until the detach begins */
bool m_pending[MAXS];	/* a complete is owed, from another thread */

#define RTOUCH(r)	assert(!r_freed[r])	/* NMR reads the registration */
#define BTOUCH(b)	assert(!b_freed[b])	/* NMR reads the binding */

/* A preempt-disabled region ends on @cpu: a quiescent state once none is left. */
#define QS(cpu) \
	if \
	:: nest[cpu] == 0 -> fqs[cpu] = false; rqs[cpu] = false \
	:: else -> skip \
	fi

/* Every pair of registrations both in the index has been offered. */
#define CHECK_OFFERS() \
	for (ci : 0 .. NB - 1) { \
		assert(!(r_npi[CLI(ci)] && r_npi[PRV(ci)]) || g_offers[ci] == 1) \
	}; \
	ci = 0

/* nmr_reg_put_locked() */
inline reg_put_locked(r)
{
	RTOUCH(r);
	assert(r_users[r] > 0);
	r_users[r]--
}

/* nmr_binding_free(): call_rcu(nmr_binding_free_rcu) */
inline binding_free(b)
{
	if
	:: (SECT & BIT(b)) -> free_list = free_list | BIT(b)
	:: else -> b_freed[b] = true	/* no lock-free reader without sections: at once */
	fi
}

/* nmr_binding_link_locked() */
inline binding_link_locked(b)
{
	g_offers[b]++;
	assert(g_offers[b] == 1);	/* each pair offered at most once */
	b_state[b] = NMR_BINDING_OFFERED;
	b_linked[b] = true;
	r_users[CLI(b)]++;
	r_users[PRV(b)]++
}

/* nmr_binding_drop_locked() */
inline binding_drop_locked(b)
{
	b_linked[b] = false;
	g_gone[b] = true;
	reg_put_locked(CLI(b));
	reg_put_locked(PRV(b));
	binding_free(b)
}

/* nmr_rundown_open_locked() */
inline rundown_open_locked(b)
{
	if
	:: !b_closed[b] -> b_opened[b] = true; b_open[b] = true
	:: else -> skip
	fi
}

/* nmr_rundown_close_locked() */
inline rundown_close_locked(b)
{
	if
	:: !b_closed[b] ->
		b_closed[b] = true;
		b_open[b] = false;
		if
		:: !b_opened[b] || !b_used[b] -> b_fenced[b] = true
		:: else ->
#ifdef MUTATION_NO_FENCE
			b_fenced[b] = true
#else
			/* llist_add(); queue_work(nmr_fence_work) */
			fence_list = fence_list | BIT(b)
#endif
		fi
	:: else -> skip
	fi
}

/* nmr_side_done_locked(): sets @fin when both sides are done */
inline side_done_locked(b, role, fin)
{
	s_state[S(b, role)] = NMR_SIDE_DONE;
	assert(g_insec[S(b, role)] == 0);	/* every section it entered exited */
	assert(!g_attached[S(b, role)] || g_moddone[S(b, role)]); /* it completed */
	if
#ifndef MUTATION_CLEANUP_EARLY
	:: s_state[S(b, 1 - role)] != NMR_SIDE_DONE &&
	   s_state[S(b, 1 - role)] != NMR_SIDE_NONE -> fin = false
#endif
	:: else ->
		b_state[b] = NMR_BINDING_CLEANUP;
		b_linked[b] = false;	/* nmr_binding_unlink_locked() */
		fin = true
	fi
}

/* nmr_side_settle_locked() */
inline side_settle_locked(b, role, fin)
{
	if
#ifdef MUTATION_NO_FENCE_CHECK
	:: SUM(S(b, role)) == 0 -> side_done_locked(b, role, fin)
#else
	:: DRAINED(b, role) -> side_done_locked(b, role, fin)
#endif
	:: else -> s_state[S(b, role)] = NMR_SIDE_DRAINING; fin = false
	fi
}

/* nmr_side_drain_locked() */
inline side_drain_locked(b, role, fin)
{
	if
	:: s_state[S(b, role)] == NMR_SIDE_DRAINING && DRAINED(b, role) ->
		side_done_locked(b, role, fin)
	:: else -> fin = false
	fi
}

/* nmr_binding_cleanup(), first part: the cleanup callbacks, client first */
inline cleanup_callbacks(b)
{
	if
	:: s_cleanup[S(b, NMR_CLIENT)] ->
		/* client_cleanup_binding_context() */
		assert(!r_freed[CLI(b)]);	/* no callback after the wait */
		g_cleanup[S(b, NMR_CLIENT)]++;
		assert(g_cleanup[S(b, NMR_CLIENT)] == 1);
		m_may_enter[S(b, NMR_CLIENT)] = false
	:: else -> skip
	fi;
	if
	:: s_cleanup[S(b, NMR_PROVIDER)] ->
		/* provider_cleanup_binding_context() */
		assert(!r_freed[PRV(b)]);
		g_cleanup[S(b, NMR_PROVIDER)]++;
		assert(g_cleanup[S(b, NMR_PROVIDER)] == 1);
		m_may_enter[S(b, NMR_PROVIDER)] = false
	:: else -> skip
	fi
}

/* nmr_binding_cleanup(), under the lock: nmr_binding_put_regs_locked(); nmr_binding_free() */
inline cleanup_puts(b)
{
	reg_put_locked(CLI(b));
	reg_put_locked(PRV(b));
	g_gone[b] = true;
	binding_free(b)
}

/*
 * The lock section that finished @b (when @fin), and nmr_binding_cleanup()
 * after it.  The cleanup callbacks are folded into that section: the
 * binding is unlinked and closed, so between the unlock and the callbacks
 * no other thread's step changes what they see or do (an enter fails).
 * The puts that follow them are a step of cleaner(), at any later point,
 * so a wait that returns between the callbacks and the puts would be
 * found (MUTATION_PUTS_FIRST swaps the two).
 */
inline finish(b, fin)
{
	if
	:: fin ->
		BTOUCH(b);
		assert(b_state[b] == NMR_BINDING_CLEANUP);
		assert(!g_fin[b]);	/* finished once */
		g_fin[b] = true;
		/* each attached side detached once and completed; no section left */
		assert(!g_attached[S(b, 0)] || (g_detach[S(b, 0)] == 1 && g_moddone[S(b, 0)]));
		assert(!g_attached[S(b, 1)] || (g_detach[S(b, 1)] == 1 && g_moddone[S(b, 1)]));
		assert(g_insec[S(b, 0)] == 0 && g_insec[S(b, 1)] == 0);
#ifdef MUTATION_PUTS_FIRST
		cleanup_puts(b);
#else
		cleanup_callbacks(b);
#endif
		fin_list = fin_list | BIT(b);
		fin = false
	:: else -> skip
	fi
}


/*
 * nmr_side_complete() from a module (the caller has set g_moddone):
 * nmr_binding_check() under rcu_read_lock(), then the lock.
 */
inline side_complete_locked(b, role, fin)
{
	BTOUCH(b);
	if
	:: s_state[S(b, role)] == NMR_SIDE_DETACHING ->
		/* completed before its detach callback returned -EINPROGRESS */
		assert(!s_completed[S(b, role)]);
		s_completed[S(b, role)] = true;
		fin = false
	:: s_state[S(b, role)] == NMR_SIDE_PENDING ->
		side_settle_locked(b, role, fin)
	:: else -> assert(false)	/* a legal complete finds it detaching or pending */
	fi
}

/*
 * nmr_side_detach().  The first critical section, the detach callback
 * and, when it returned 0 or had completed, the relock are one step: only
 * a complete from another thread can observe the side while its callback
 * runs, and the callback owes one only when it hands it over (m_pending),
 * in which case the relock is a step of its own.
 */
inline side_detach(b, role, dret, fin)
{
	atomic {
		BTOUCH(b);
		g_inbatch[b] = false;	/* list_del_init(&b->work), for the batch's first side */
		if
#ifdef MUTATION_DETACH_TWICE
		:: s_cleanup[S(b, role)] && s_state[S(b, role)] != NMR_SIDE_DONE ->
#else
		:: s_state[S(b, role)] == NMR_SIDE_ATTACHED ->
#endif
			s_state[S(b, role)] = NMR_SIDE_DETACHING;
			/* client_detach_provider() / provider_detach_client() */
			assert(!r_freed[REG(b, role)]);	/* no callback after the wait */
			g_detach[S(b, role)]++;
			assert(g_detach[S(b, role)] == 1);	/* detached once */
			if
			:: /* returns 0 */
				g_moddone[S(b, role)] = true;
				side_settle_locked(b, role, fin)
#ifdef INLINE
			:: (PEND & BIT(b)) ->
				/* calls its complete, then returns -EINPROGRESS */
				g_moddone[S(b, role)] = true;
				side_complete_locked(b, role, fin);
				side_settle_locked(b, role, fin)
#endif
			:: (PEND & BIT(b)) ->
				/* returns -EINPROGRESS; another thread completes */
				m_pending[S(b, role)] = true;
				dret = EINPROGRESS
			fi
		:: else -> skip
		fi;
		finish(b, fin)
	}
	if
	:: dret == EINPROGRESS ->
		atomic {
			/* nmr_side_detach(), after the callback returned -EINPROGRESS */
			BTOUCH(b);
			if
			:: !s_completed[S(b, role)] ->
				s_state[S(b, role)] = NMR_SIDE_PENDING; fin = false
			:: else -> side_settle_locked(b, role, fin)
			fi;
			dret = OK;
			finish(b, fin)
		}
	:: else -> skip
	fi
}

/*
 * nmr_binding_detach(): client side first, then the provider.  For a
 * binding without section threads it is one step: then only the completer
 * could see a side between two of its steps, and it sees the side PENDING
 * either way; bindings with sections keep every step (and the complete
 * that finds the side DETACHING).
 */
inline binding_detach(b, dret, fin)
{
	if
	:: (SECT & BIT(b)) ->
		side_detach(b, NMR_CLIENT, dret, fin);
		side_detach(b, NMR_PROVIDER, dret, fin)
	:: else ->
		atomic {
			side_detach(b, NMR_CLIENT, dret, fin);
			side_detach(b, NMR_PROVIDER, dret, fin)
		}
	fi
}

#ifdef MUTATION_DETACH_TWICE
#define STOP_DETACHES(b) (b_state[b] == NMR_BINDING_ATTACHED || b_state[b] == NMR_BINDING_DETACHING)
#else
#define STOP_DETACHES(b) (b_state[b] == NMR_BINDING_ATTACHED)
#endif

/* nmr_binding_stop_locked(): @b's registration deregisters */
inline binding_stop_locked(b, batch)
{
	if
	:: b_state[b] == NMR_BINDING_OFFERED ->
		r_offers[CLI(b)] = r_offers[CLI(b)] & ~BIT(b);
		r_offers[PRV(b)] = r_offers[PRV(b)] & ~BIT(b);
		binding_drop_locked(b)
	:: b_state[b] == NMR_BINDING_ATTACHING ->
#ifndef MUTATION_LATE_COMER_MISSED
		b_detach_requested[b] = true;
		rundown_close_locked(b)
#else
		skip
#endif
	:: STOP_DETACHES(b) ->
		b_state[b] = NMR_BINDING_DETACHING;
		rundown_close_locked(b);
		assert(!g_inbatch[b]);	/* list_add_tail(&b->work, batch): not on a list */
		g_inbatch[b] = true;
		batch = batch | BIT(b)
	:: else -> skip	/* DETACHING or CLEANUP: detached exactly once */
	fi
}

/*
 * nmr_binding_offer(), after nmr_reg_offer_all() took the offer and
 * called the client's attach callback, which chose @att (attach) or
 * declined: nmr_client_attach_provider() and the provider's callback,
 * then the outcome.
 */
inline binding_offer_body(b, cret, pret, att, tries, det, fin)
{
	do
	:: att ->
		atomic {
			/* nmr_client_attach_provider(): the checks, then open */
			BTOUCH(b);
			assert(b_state[b] == NMR_BINDING_ATTACHING && !b_provider_attached[b]);
#ifndef MUTATION_OPEN_LATE
			rundown_open_locked(b);
#endif
			/* provider_attach_client() is called: it may enter at once */
			assert(!r_freed[PRV(b)]);
			m_may_enter[S(b, NMR_PROVIDER)] = true;
			/*
			 * So may the client, from another thread it gave the
			 * binding to (nmr_client_enter(): such a section is
			 * drained, also when the provider declines).
			 */
			m_may_enter[S(b, NMR_CLIENT)] = true
		}
		atomic {
			/* provider_attach_client() returns */
			if
			:: pret = OK; m_should_open[S(b, NMR_PROVIDER)] = true
			:: (DECL & BIT(b)) -> pret = ENODEV;
				m_may_enter[S(b, NMR_PROVIDER)] = false;
				/* the client sees the error and stops entering */
				m_may_enter[S(b, NMR_CLIENT)] = false
			fi;
#ifdef MUTATION_OPEN_LATE
		}
		atomic {
#endif
			/*
			 * nmr_client_attach_provider() relocks (folded into the
			 * return: it writes only what this thread reads next).
			 */
			BTOUCH(b);
			if
			:: pret == OK ->
				b_provider_attached[b] = true;
#ifdef MUTATION_OPEN_LATE
				rundown_open_locked(b);
#endif
				/* it returns 0: the client may enter from now on */
				m_may_enter[S(b, NMR_CLIENT)] = true;
				m_should_open[S(b, NMR_CLIENT)] = true
			:: else ->
				/* declined: @open is cleared, not closed; the client may retry */
				b_open[b] = false
			fi
		}
		if
		:: pret == OK -> break
		:: else ->
			if
			:: (RETRY & BIT(b)) && tries == 0 -> tries++
			:: cret = ENODEV; break
			fi
		fi
	:: else -> break
	od;
	atomic {
		if
		:: pret == OK ->
			/* the client's attach callback returns */
			if
			:: cret = OK
			:: (FAIL & BIT(b)) -> cret = EFAIL; m_may_enter[S(b, NMR_CLIENT)] = false
			fi
		:: else -> skip
		fi;
		/*
		 * nmr_binding_offer(), after the client's callback (folded into
		 * its return, as above).
		 */
		BTOUCH(b);
		if
		:: !b_provider_attached[b] ->
#ifndef MUTATION_PEER_AFTER_PUT
			/* trace_nmr_attach(), pr_debug(): under the lock, before the put */
			RTOUCH(CLI(b));
			RTOUCH(PRV(b));
#endif
			if
			:: !b_opened[b] || !b_used[b] ->
				/*
				 * nmr_binding_declined_locked(): never opened, or
				 * never entered: no section can exist (an enter
				 * making the first use now finds @open clear).
				 */
				binding_drop_locked(b)
			:: else ->
				/*
				 * The provider declined, and sections may have been
				 * entered meanwhile: both sides drain, no callbacks.
				 */
				rundown_close_locked(b);
				b_state[b] = NMR_BINDING_DETACHING;
				s_state[S(b, NMR_CLIENT)] = NMR_SIDE_DRAINING;
				s_state[S(b, NMR_PROVIDER)] = NMR_SIDE_DRAINING;
				side_drain_locked(b, NMR_CLIENT, fin);
				side_drain_locked(b, NMR_PROVIDER, fin);
				finish(b, fin)
			fi;
			det = 2
		:: else ->
			s_state[S(b, NMR_PROVIDER)] = NMR_SIDE_ATTACHED;
			s_cleanup[S(b, NMR_PROVIDER)] = true;
			g_attached[S(b, NMR_PROVIDER)] = true;
			if
			:: cret == OK ->
				s_state[S(b, NMR_CLIENT)] = NMR_SIDE_ATTACHED;
				s_cleanup[S(b, NMR_CLIENT)] = true;
				g_attached[S(b, NMR_CLIENT)] = true
			:: else -> skip
			fi;
			if
			:: cret == OK && !b_detach_requested[b] ->
				b_state[b] = NMR_BINDING_ATTACHED;
				g_bound[b]++;
				assert(g_bound[b] == 1);	/* each pair bound at most once */
				/* a late comer is never missed */
				assert(r_state[CLI(b)] == NMR_REG_REGISTERED &&
				       r_state[PRV(b)] == NMR_REG_REGISTERED);
				det = 0
			:: else ->
				b_state[b] = NMR_BINDING_DETACHING;
				rundown_close_locked(b);
#ifndef MUTATION_NO_CLIENT_DRAIN
				if
				:: cret != OK ->
					/* the client failed after attaching: it drains, no callbacks */
					s_state[S(b, NMR_CLIENT)] = NMR_SIDE_DRAINING;
					side_drain_locked(b, NMR_CLIENT, fin);
					assert(!fin)	/* the provider side is attached */
				:: else -> skip
				fi;
#endif
				det = 1
			fi
		fi;
		cret = OK; pret = OK; att = false; tries = 0
	}
}

inline binding_offer(b, cret, pret, att, tries, det, dret, fin)
{
	if
	:: (SECT & BIT(b)) -> binding_offer_body(b, cret, pret, att, tries, det, fin)
	:: else ->
		/*
		 * Without section threads nothing reads @open or m_may_enter,
		 * so the steps between the offer and its outcome are one (the
		 * late comer's window, from the offer to the outcome, stays).
		 */
		atomic { binding_offer_body(b, cret, pret, att, tries, det, fin) }
	fi;
#ifdef MUTATION_PEER_AFTER_PUT
	if
	:: det == 2 ->
		/* pr_debug("client %s#%u declined provider %s#%u") after the unlock */
		RTOUCH(CLI(b));
		RTOUCH(PRV(b))
	:: else -> skip
	fi;
#endif
	if
	:: det == 1 -> det = 0; binding_detach(b, dret, fin)
	:: else -> det = 0
	fi
}

/* nmr_deregister(): one critical section; @guard: the module's own condition */
inline nmr_deregister(r, batch, ci, guard)
{
	atomic {
		guard ->
		RTOUCH(r);	/* nmr_reg_check(): the tag */
		assert(r_state[r] == NMR_REG_REGISTERED);	/* modules deregister once */
		r_state[r] = NMR_REG_DEREGISTERING;
		CHECK_OFFERS();
		assert(r_npi[r]);	/* --npi->count[role] needs reg->npi (finding 1) */
		r_npi[r] = false;
		batch = 0;
		for (ci : 0 .. NB - 1) {
			if
			:: B_HAS(ci, r) && b_linked[ci] -> binding_stop_locked(ci, batch)
			:: else -> skip
			fi
		};
		ci = 0;
		reg_put_locked(r);
		r_dereg[r] = true
	}
}

/* nmr_binding_detach_batch() */
inline detach_batch(batch, ci, dret, fin)
{
	do
	:: batch != 0 ->
		ci = 0;
		do
		:: (batch & BIT(ci)) -> break
		:: else -> ci++
		od;
		batch = batch & ~BIT(ci);
		binding_detach(ci, dret, fin)
	:: else -> break
	od;
	ci = 0
}

/*
 * nmr_wait(): -EINVAL when @r is not deregistering or another wait runs;
 * -ETIMEDOUT when @timed and the timeout passed first; else 0, @r freed.
 * @guard is the caller's own condition for making the call at all.
 */
inline nmr_wait(r, timed, ret, ci, guard)
{
	atomic {
		guard ->
		if
		:: r_freed[r] ->
			/*
			 * nmr_reg_lock(): a wait racing the one that freed @r
			 * reads the NMRX tag (kfree_rcu() keeps it readable
			 * under RCU, and it is rechecked under nmr_lock).
			 */
			ret = EINVAL
		:: else ->
			RTOUCH(r);
			if
			:: r_state[r] != NMR_REG_DEREGISTERING || r_waited[r] -> ret = EINVAL
			:: else -> r_waited[r] = true; ret = OK
			fi
		fi
	}
	if
	:: ret == OK ->
		if
		:: atomic {
			r_users[r] == 0 ->	/* nmr_reg_sleep(): wait_for_completion(&reg->done) */
			/* trace_nmr_wait_done(); list_del(&reg->all_node); kfree() */
			for (ci : 0 .. NB - 1) {
				/* every binding it had is gone, cleaned up if attached */
				assert(!B_HAS(ci, r) || g_offers[ci] == 0 || g_gone[ci]);
				assert(!B_HAS(ci, r) || !g_attached[S(ci, NMR_CLIENT)] ||
				       g_cleanup[S(ci, NMR_CLIENT)] == 1);
				assert(!B_HAS(ci, r) || !g_attached[S(ci, NMR_PROVIDER)] ||
				       g_cleanup[S(ci, NMR_PROVIDER)] == 1)
			};
			ci = 0;
			r_freed[r] = true
		   }
		:: atomic {
			timed ->	/* the timeout passed first (the count may be 0 by now) */
			ret = ETIMEDOUT;
#ifndef MUTATION_WAIT_TRACE_LATE
			RTOUCH(r);	/* trace_nmr_wait_done(): before @waited is cleared */
#endif
			r_waited[r] = false
		   }
#ifdef MUTATION_WAIT_TRACE_LATE
			;
			RTOUCH(r)	/* trace_nmr_wait_done() after the unlock */
#endif
		fi
	:: else -> skip
	fi
}

/*
 * What a module's exit does: deregister, then wait (for TIMED with a
 * timeout first, then again without).  @guard: when it may begin.
 */
inline module_unload(r, batch, ci, dret, ret, fin, guard)
{
	nmr_deregister(r, batch, ci, guard);
	detach_batch(batch, ci, dret, fin);
	/* WAIT2: the second waiter's wait may have freed @r meanwhile */
	nmr_wait(r, (TIMED & BIT(r)), ret, ci, true);
	if
	:: ret == ETIMEDOUT -> nmr_wait(r, false, ret, ci, true)	/* again */
	:: else -> skip
	fi;
	ret = OK
	/* 0, or -EINVAL: the second waiter holds the wait */
}

/*
 * A deregistration on another thread than the register call: as soon as
 * the handle is published (during the register call's offers: a late
 * comer; or after it returned).
 */
proctype dereg_thread(byte r)
{
	byte batch, ci, dret, ret;
	bool fin;

	if
	:: module_unload(r, batch, ci, dret, ret, fin, r_pub[r])
	:: r_failed[r] -> skip
	fi
}

#ifdef MUTATION_OFFER_MISSED
#define INSERT_SEES(b) (seen & BIT(b))
#else
#define INSERT_SEES(b) true
#endif

/* __nmr_register_provider() / __nmr_register_client(), from allocation on */
proctype reg_thread(byte r)
{
	byte ci, ob, cret, pret, dret, tries, det, batch, ret;
	bool att, fin;
#ifdef MUTATION_OFFER_MISSED
	byte seen;
#endif

#if ENOMEM
	if
	:: (ENOMEM & BIT(r)) -> r_failed[r] = true; goto out	/* -ENOMEM: nothing published */
	:: true -> skip
	fi;
#endif
#ifdef MUTATION_HANDLE_EARLY
	r_pub[r] = true;	/* *handle = provider, before nmr_register() */
#endif
#ifdef MUTATION_OFFER_MISSED
	atomic {
		/* nmr_reg_insert(), first pass: count the peers, then allocate */
		seen = 0;
		for (ci : 0 .. NB - 1) {
			if
			:: B_HAS(ci, r) && r_npi[PEER(ci, r)] -> seen = seen | BIT(ci)
			:: else -> skip
			fi
		}
	}
#endif
	atomic {
		/* nmr_reg_insert(): the last critical section */
		for (ci : 0 .. NB - 1) {
			if
			:: B_HAS(ci, r) && r_npi[PEER(ci, r)] && INSERT_SEES(ci) ->
				binding_link_locked(ci);
				r_offers[r] = r_offers[r] | BIT(ci)
			:: else -> skip
			fi
		}
		r_npi[r] = true;
		r_pub[r] = true;	/* smp_store_release(handle), in the same section */
		CHECK_OFFERS()
	}
	/* nmr_reg_offer_all() */
	do
	:: atomic {
		RTOUCH(r);	/* the register call's own user keeps @r */
		if
		:: r_offers[r] == 0 ->
#ifndef MUTATION_NO_REGISTER_USER
			reg_put_locked(r);
#endif
			ob = NB
		:: else ->
			ob = 0;
			do
			:: (r_offers[r] & BIT(ob)) -> break
			:: else -> ob++
			od;
			r_offers[r] = r_offers[r] & ~BIT(ob);
			BTOUCH(ob);
			b_state[ob] = NMR_BINDING_ATTACHING;
			/*
			 * nmr_binding_offer() calls client_attach_provider()
			 * (folded: the callback's choice is this thread's).
			 */
			assert(!r_freed[CLI(ob)] && !r_freed[PRV(ob)]);
			if
			:: (DECL & BIT(ob)) -> cret = ENODEV; att = false	/* declines */
			:: att = true
			fi
		fi
	   }
		if
		:: ob == NB -> break
		:: else -> binding_offer(ob, cret, pret, att, tries, det, dret, fin)
		fi
	od;
	ob = 0;
	/* SAME: the registering thread itself deregisters, after register returned */
	if
	:: (SAME & BIT(r)) -> module_unload(r, batch, ci, dret, ret, fin, true)
	:: else -> skip
	fi;
out:
	skip
}

/*
 * A second wait for @r on another thread (WAIT2), racing the first; the
 * module does not call it on a handle a wait has freed.
 */
proctype waiter2(byte r)
{
	byte ret, ci;

	if
	:: nmr_wait(r, false, ret, ci, r_dereg[r])
	:: r_failed[r] -> skip
	fi
}

/*
 * Completes owed by modules, on a thread of their own (a work item, a
 * timer): nmr_client_detach_provider_complete() and
 * nmr_provider_detach_client_complete().  A complete may come before the
 * detach callback returned (DETACHING) or after (PENDING); a complete
 * called from inside the callback takes the same path (INLINE folds it).
 */
proctype completer()
{
	byte cs;
	bool fin;

end:
	do
	:: atomic {
		(m_pending[0] || m_pending[1] || m_pending[2] || m_pending[3] ||
		 m_pending[4] || m_pending[5] || m_pending[6] || m_pending[7]) ->
		if
		:: m_pending[0] -> cs = 0
		:: m_pending[1] -> cs = 1
		:: m_pending[2] -> cs = 2
		:: m_pending[3] -> cs = 3
		:: m_pending[4] -> cs = 4
		:: m_pending[5] -> cs = 5
		:: m_pending[6] -> cs = 6
		:: m_pending[7] -> cs = 7
		fi;
		m_pending[cs] = false;
		g_moddone[cs] = true;
		side_complete_locked(cs / 2, cs % 2, fin);
		finish(cs / 2, fin);
		cs = 0
	   }
	od
}

/*
 * A thread of @role's module calling into its peer through @b, bracketed
 * by nmr_*_enter() and nmr_*_exit(), NSECT times, each on either CPU,
 * while the module holds the binding (m_may_enter: from its attach
 * callback until its cleanup callback, or until its attach failed).
 */
proctype section(byte b; byte role)
{
	byte n = NSECT, cpu;
	bool seen, ok, fin;

end:
	do
	:: atomic {
		n > 0 && m_may_enter[S(b, role)] ->
		/* __nmr_enter() (nmr.h), on the thread's own CPU (CPUS=2: either CPU) */
		n--;
#if CPUS == 2
		if
		:: cpu = 0
		:: cpu = 1
		fi;
#else
		cpu = role;
#endif
#ifndef MUTATION_ENTER_OUTSIDE_RCU
		nest[cpu]++;		/* preempt_disable() */
#endif
		BTOUCH(b);		/* nmr_binding_check() */
		seen = b_used[b];	/* smp_load_acquire(&b->used) */
#if defined(MUTATION_USED_LATE)
		ok = b_open[b]		/* READ_ONCE(b->open), before @used is set */
#elif defined(MUTATION_ENTER_OUTSIDE_RCU)
		skip
#else
		if
		:: seen ->
			/* READ_ONCE(b->open) (folded: @used set, the load has no effect) */
			ok = b_open[b];
			assert(ok || b_closed[b] || !m_should_open[S(b, role)])
		:: else -> skip
		fi
#endif
	   }
		if
		:: !seen ->
			atomic {
				/* nmr_rundown_first_use(): under nmr_lock, smp_store_release() */
				BTOUCH(b);
				b_used[b] = true
			}
#ifndef MUTATION_USED_LATE
			atomic {
#ifdef MUTATION_ENTER_OUTSIDE_RCU
				nest[cpu]++;	/* preempt_disable() */
#endif
				BTOUCH(b);
				ok = b_open[b];	/* READ_ONCE(b->open) */
				/* enter succeeds from the attach until the detach begins */
				assert(ok || b_closed[b] || !m_should_open[S(b, role)])
			}
#endif
		:: else -> skip
		fi;
#ifdef MUTATION_ENTER_OUTSIDE_RCU
		if
		:: seen ->
			atomic {
				nest[cpu]++;	/* preempt_disable() */
				BTOUCH(b);
				ok = b_open[b];	/* READ_ONCE(b->open) */
				assert(ok || b_closed[b] || !m_should_open[S(b, role)])
			}
		:: else -> skip
		fi;
#endif
		atomic {
			if
			:: ok ->
				/* this_cpu_inc(b->calls->entered[role]) */
				CNT(S(b, role), cpu) = (CNT(S(b, role), cpu) + 1) % 256;
				assert(!b_fenced[b]);	/* no count after the fence */
				g_insec[S(b, role)]++;
				/* the section runs while its side and the peer are there */
				assert(s_state[S(b, role)] != NMR_SIDE_DONE);
				assert(!r_freed[REG(b, 1 - role)])
			:: else -> skip
			fi;
			nest[cpu]--;		/* preempt_enable() */
			QS(cpu)
		}
		if
		:: ok ->
			atomic {
				/* __nmr_exit() (nmr.h), on either CPU */
				if
				:: cpu = 0
				:: cpu = 1
				fi;
				nest[cpu]++;	/* preempt_disable() */
				BTOUCH(b);
				/* this_cpu_dec(b->calls->entered[role]) */
				CNT(S(b, role), cpu) = (CNT(S(b, role), cpu) + 255) % 256;
				g_insec[S(b, role)]--;
#ifdef MUTATION_NO_EXIT_RECHECK
				seen = false;
#else
				seen = !b_open[b];	/* READ_ONCE(b->open) */
#endif
				if
				:: !seen -> nest[cpu]--; QS(cpu)	/* preempt_enable() */
				:: else -> skip
				fi
			}
			if
			:: seen ->
				atomic {
					/* nmr_side_exited() */
					BTOUCH(b);
#ifdef MUTATION_EXIT_IGNORES_COUNT
					/* the side is done at any exit once fenced */
					if
					:: s_state[S(b, role)] == NMR_SIDE_DRAINING && b_fenced[b] ->
						side_done_locked(b, role, fin)
					:: else -> fin = false
					fi;
#else
					side_drain_locked(b, role, fin);
#endif
					nest[cpu]--;	/* preempt_enable() */
					QS(cpu);
					finish(b, fin)
				}
			:: else -> skip
			fi
		:: else -> skip
		fi;
		cpu = 0; seen = false; ok = false
	od
}

/*
 * The rest of nmr_binding_cleanup() of each finished binding: the puts,
 * under the lock, a step after the cleanup callbacks (finish()).
 */
proctype cleaner()
{
	byte cb;

end:
	do
	:: atomic {
		fin_list != 0 ->
		cb = 0;
		do
		:: (fin_list & BIT(cb)) -> break
		:: else -> cb++
		od;
		fin_list = fin_list & ~BIT(cb);
		BTOUCH(cb);
#ifdef MUTATION_PUTS_FIRST
		cleanup_callbacks(cb);
#else
		cleanup_puts(cb);
#endif
		cb = 0
	   }
	od
}

/* nmr_fence_fn(): the work item that fences closed bindings */
proctype nmr_fence_fn()
{
	byte batch, ci;
	bool fin, fin2;

end:
	do
	:: atomic {
		fence_list != 0 ->
		batch = fence_list;	/* llist_del_all() */
		fence_list = 0;
		/* synchronize_rcu_expedited() begins */
		fqs[0] = nest[0] > 0;
		fqs[1] = nest[1] > 0
	   }
		atomic {
			!fqs[0] && !fqs[1] ->	/* the grace period is over; the lock */
			for (ci : 0 .. NB - 1) {
				if
				:: (batch & BIT(ci)) ->
#ifdef MUTATION_FENCE_ONE
					/* only the first closed binding is fenced; the rest are lost */
					batch = BIT(ci);
#endif
					/* nmr_binding_fenced_locked() */
					BTOUCH(ci);
					b_fenced[ci] = true;
					side_drain_locked(ci, NMR_CLIENT, fin);
					side_drain_locked(ci, NMR_PROVIDER, fin2);
					fin = fin || fin2;
					fin2 = false;
					/* after the unlock, nmr_binding_cleanup() */
					finish(ci, fin)
				:: else -> skip
				fi
			};
			batch = 0; ci = 0
		}
	od
}

/* The RCU callbacks: nmr_binding_free_rcu() after a grace period */
proctype rcu_reclaim()
{
	byte batch, ci;

end:
	do
	:: atomic {
		free_list != 0 ->
		batch = free_list;
		free_list = 0;
		rqs[0] = nest[0] > 0;
		rqs[1] = nest[1] > 0
	   }
		atomic {
			!rqs[0] && !rqs[1] ->
			for (ci : 0 .. NB - 1) {
				if
				:: (batch & BIT(ci)) -> b_freed[ci] = true
				:: else -> skip
				fi
			};
			batch = 0; ci = 0
		}
	od
}

#define R_DONE(r)	((r) >= NREG || r_freed[r] || r_failed[r])
#define ALL_DONE	(R_DONE(0) && R_DONE(1) && R_DONE(2) && R_DONE(3))

/* Once every wait has returned: nothing is left, everything happened once. */
proctype final_check()
{
	byte ci;

	atomic {
		ALL_DONE ->
		for (ci : 0 .. NB - 1) {
			assert(g_offers[ci] == 0 || g_gone[ci]);
			assert(g_insec[S(ci, 0)] == 0 && g_insec[S(ci, 1)] == 0);
			assert(g_detach[S(ci, 0)] == g_attached[S(ci, 0)]);
			assert(g_detach[S(ci, 1)] == g_attached[S(ci, 1)]);
			assert(g_cleanup[S(ci, 0)] == g_attached[S(ci, 0)]);
			assert(g_cleanup[S(ci, 1)] == g_attached[S(ci, 1)])
		}
	}
}

/* every wait returns, once the modules do their part */
ltl waits_return { <> ALL_DONE }

init {
	byte ci;

	atomic {
		for (ci : 0 .. NREG - 1) {
#ifdef MUTATION_NO_REGISTER_USER
			r_users[ci] = 1;	/* nmr_reg_init(): itself only */
#else
			r_users[ci] = 2;	/* nmr_reg_init(): itself and the register call */
#endif
			run reg_thread(ci);
			if
			:: !(SAME & BIT(ci)) -> run dereg_thread(ci)
			:: else -> skip
			fi;
			if
			:: (WAIT2 & BIT(ci)) -> run waiter2(ci)
			:: else -> skip
			fi
		};
		run completer();
		run cleaner();
#if SECT
		for (ci : 0 .. NB - 1) {
			if
			:: (SECT & BIT(ci)) ->
				run section(ci, NMR_CLIENT);
#if SECTP
				run section(ci, NMR_PROVIDER);
#endif
				if
				:: (SECT2 & BIT(ci)) -> run section(ci, NMR_CLIENT)
				:: else -> skip
				fi
			:: else -> skip
			fi
		};
		run nmr_fence_fn();
		run rcu_reclaim();
#endif
		run final_check();
		ci = 0
	}
}
