// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_provider_win - a provider of the sample NPI written as a
 * Windows NMR provider, against <nmr/netioddk.h>.
 *
 * Everything but the module frame at the end is what a Windows provider
 * module looks like: SAL annotations, NTSTATUS and the Windows types, the
 * NPI id from DEFINE_GUID() (nmr_sample_npi_win.h, defined here with
 * INITGUID), a module id written the Windows way,
 * NPI_PROVIDER_CHARACTERISTICS, the ProviderAttachClient,
 * ProviderDetachClient and ProviderCleanupBindingContext callbacks, and an
 * Unload routine that is the Windows documentation's "Unloading a Provider
 * Module" sequence unchanged: NmrDeregisterProvider(), and if it returns
 * STATUS_PENDING, NmrWaitForProviderDeregisterComplete().  What a port
 * changes is the frame around it and the kernel services it uses:
 * module_init and module_exit call DriverEntry and Unload, a spinlock_t
 * stands for the KSPIN_LOCK, kzalloc() for ExAllocatePool2() and pr_info()
 * for DbgPrint() (docs/porting.md).
 *
 * It implements the sample NPI of nmr_sample_npi.h with that NPI's own
 * types and version, so the native nmr_sample_client binds to it like to
 * any other sample provider.  Its detach is the Windows pattern: its calls
 * into the client are counted under the binding's lock, the detach callback
 * returns STATUS_PENDING while one is in flight, and the call that drains
 * the count calls NmrProviderDetachClientComplete().  hold_ms holds each
 * request in flight that long, so an unload meets one.
 *
 *   insmod nmr_sample_provider_win.ko [hold_ms=2000]
 *   rmmod nmr_sample_provider_win
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define INITGUID

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <nmr/netioddk.h>
#include <nmr_sample_npi.h>
#include <nmr_sample_npi_win.h>

static unsigned int hold_ms;
module_param(hold_ms, uint, 0644);
MODULE_PARM_DESC(hold_ms, "Milliseconds each request is held in flight (default 0)");

/* {3f1c2a8e-5b7d-4e10-9c6a-2d4e8f0b1a93} */
static const NPI_MODULEID ProviderModuleId = {
	sizeof(NPI_MODULEID),
	MIT_GUID,
	{ { 0x3f1c2a8e, 0x5b7d, 0x4e10, { 0x9c, 0x6a, 0x2d, 0x4e, 0x8f, 0x0b, 0x1a, 0x93 } } }
};

/**
 * struct _PROVIDER_REGISTRATION_CONTEXT - the ProviderContext
 * @NextBindingId: numbers bindings for log lines.
 * @Clients: the clients attached now.
 */
typedef struct _PROVIDER_REGISTRATION_CONTEXT {
	atomic_t NextBindingId;
	atomic_t Clients;
} PROVIDER_REGISTRATION_CONTEXT, *PPROVIDER_REGISTRATION_CONTEXT;

/**
 * struct _PROVIDER_BINDING_CONTEXT - the provider's context for one client
 * @NmrBindingHandle: for NmrProviderDetachClientComplete().
 * @Registration: the ProviderContext, for the client count.
 * @Id: a number for log lines.
 * @ClientName: the client's name, from its NPI-specific characteristics.
 * @ClientDispatch: the client's callbacks.
 * @ClientBindingContext: passed to @ClientDispatch's callbacks.
 * @Lock: protects @CallsInFlight and @Detaching.
 * @CallsInFlight: calls into the client that have not returned.
 * @Detaching: the detach callback ran: no new call into the client.
 * @Calls: calls the client made into this binding.
 * @Sum: the sum of the values the client added.
 */
typedef struct _PROVIDER_BINDING_CONTEXT {
	HANDLE NmrBindingHandle;
	PPROVIDER_REGISTRATION_CONTEXT Registration;
	ULONG Id;
	const char *ClientName;
	const struct nmr_sample_client_dispatch *ClientDispatch;
	PVOID ClientBindingContext;
	spinlock_t Lock;	/* @CallsInFlight, @Detaching */
	ULONG CallsInFlight;
	BOOLEAN Detaching;
	atomic64_t Calls;
	atomic64_t Sum;
} PROVIDER_BINDING_CONTEXT, *PPROVIDER_BINDING_CONTEXT;

static PROVIDER_REGISTRATION_CONTEXT ProviderRegistrationContext;
static HANDLE ProviderHandle;

static NPI_PROVIDER_ATTACH_CLIENT_FN ProviderAttachClient;
static NPI_PROVIDER_DETACH_CLIENT_FN ProviderDetachClient;
static NPI_PROVIDER_CLEANUP_BINDING_CONTEXT_FN ProviderCleanupBindingContext;

static const struct nmr_sample_npi_chars ProviderNpiCharacteristics = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const NPI_PROVIDER_CHARACTERISTICS ProviderCharacteristics = {
	0,
	sizeof(NPI_PROVIDER_CHARACTERISTICS),
	ProviderAttachClient,
	ProviderDetachClient,
	ProviderCleanupBindingContext,
	{
		0,
		sizeof(NPI_REGISTRATION_INSTANCE),
		&NPI_SAMPLE_ID,
		&ProviderModuleId,
		0,
		&ProviderNpiCharacteristics,
	},
};

/* The sample NPI's functions, with the NPI's own types. */

static u64 ProviderAdd(void *ProviderBindingContext, u32 Value)
{
	PPROVIDER_BINDING_CONTEXT Binding = ProviderBindingContext;

	atomic64_inc(&Binding->Calls);
	return atomic64_add_return(Value, &Binding->Sum);
}

/*
 * The one call into the client.  It is counted from before the detach
 * check to after request_done() returns, so the detach callback knows
 * whether it may return STATUS_SUCCESS, and the call that ends the count
 * after the detach began completes the detach.
 */
static int ProviderRequest(void *ProviderBindingContext, u32 Cookie)
{
	PPROVIDER_BINDING_CONTEXT Binding = ProviderBindingContext;
	unsigned int Hold = READ_ONCE(hold_ms);
	unsigned long Flags;
	BOOLEAN Complete;

	atomic64_inc(&Binding->Calls);
	spin_lock_irqsave(&Binding->Lock, Flags);
	if (Binding->Detaching) {
		spin_unlock_irqrestore(&Binding->Lock, Flags);
		pr_info("request %u from client %s refused: the detach has begun\n", Cookie,
			Binding->ClientName);
		return -ESHUTDOWN;
	}
	Binding->CallsInFlight++;
	spin_unlock_irqrestore(&Binding->Lock, Flags);

	if (Hold) {
		pr_info("request %u from client %s: holding it in flight for %u ms\n", Cookie,
			Binding->ClientName, Hold);
		msleep(Hold);
	}
	Binding->ClientDispatch->request_done(Binding->ClientBindingContext, Cookie, 0);

	spin_lock_irqsave(&Binding->Lock, Flags);
	Complete = --Binding->CallsInFlight == 0 && Binding->Detaching;
	spin_unlock_irqrestore(&Binding->Lock, Flags);
	if (Complete) {
		/* Binding may be freed once the detach is complete. */
		pr_info("request %u from client %s served, the last call in flight: NmrProviderDetachClientComplete()\n",
			Cookie, Binding->ClientName);
		NmrProviderDetachClientComplete(Binding->NmrBindingHandle);
	}
	return 0;
}

static void ProviderGetStats(void *ProviderBindingContext, struct nmr_sample_stats *Stats)
{
	PPROVIDER_BINDING_CONTEXT Binding = ProviderBindingContext;

	Stats->calls = atomic64_inc_return(&Binding->Calls);
	Stats->sum = atomic64_read(&Binding->Sum);
}

static const struct nmr_sample_provider_dispatch ProviderDispatchTable = {
	.add = ProviderAdd,
	.request = ProviderRequest,
	.get_stats = ProviderGetStats,
};

static const char *PeerName(_In_ PNPI_REGISTRATION_INSTANCE Instance)
{
	const struct nmr_sample_npi_chars *Chars = Instance->NpiSpecificCharacteristics;

	return Chars && Chars->name ? Chars->name : "(unnamed)";
}

/* Process context (PASSIVE_LEVEL). */
_Use_decl_annotations_
static NTSTATUS ProviderAttachClient(HANDLE NmrBindingHandle, PVOID ProviderContext,
				     PNPI_REGISTRATION_INSTANCE ClientRegistrationInstance,
				     PVOID ClientBindingContext, const void *ClientDispatch,
				     PVOID *ProviderBindingContext, const void **ProviderDispatch)
{
	PPROVIDER_REGISTRATION_CONTEXT Registration = ProviderContext;
	const struct nmr_sample_client_dispatch *Dispatch = ClientDispatch;
	PPROVIDER_BINDING_CONTEXT Binding;

	if (!Dispatch || !Dispatch->request_done) {
		pr_info("declining client %s: it gave no request_done callback\n",
			PeerName(ClientRegistrationInstance));
		return STATUS_NOINTERFACE;
	}
	Binding = kzalloc(sizeof(*Binding), GFP_KERNEL);
	if (!Binding)
		return STATUS_INSUFFICIENT_RESOURCES;
	Binding->NmrBindingHandle = NmrBindingHandle;
	Binding->Registration = Registration;
	Binding->Id = atomic_inc_return(&Registration->NextBindingId);
	Binding->ClientName = PeerName(ClientRegistrationInstance);
	Binding->ClientDispatch = Dispatch;
	Binding->ClientBindingContext = ClientBindingContext;
	spin_lock_init(&Binding->Lock);

	*ProviderBindingContext = Binding;
	*ProviderDispatch = &ProviderDispatchTable;
	pr_info("attached client %s (binding %u; clients now %d)\n", Binding->ClientName,
		Binding->Id, atomic_inc_return(&Registration->Clients));
	return STATUS_SUCCESS;
}

/* Any context (<= DISPATCH_LEVEL): does not sleep. */
_Use_decl_annotations_
static NTSTATUS ProviderDetachClient(PVOID ProviderBindingContext)
{
	PPROVIDER_BINDING_CONTEXT Binding = ProviderBindingContext;
	unsigned long Flags;
	ULONG InFlight;

	spin_lock_irqsave(&Binding->Lock, Flags);
	Binding->Detaching = TRUE;
	InFlight = Binding->CallsInFlight;
	spin_unlock_irqrestore(&Binding->Lock, Flags);

	/* Binding stays valid until this returns, even once completed. */
	if (InFlight) {
		pr_info("detaching from client %s (binding %u): %u call(s) into it in flight, returning STATUS_PENDING\n",
			Binding->ClientName, Binding->Id, InFlight);
		return STATUS_PENDING;
	}
	pr_info("detached from client %s (binding %u) after %lld calls: no call into it in flight, returning STATUS_SUCCESS\n",
		Binding->ClientName, Binding->Id, atomic64_read(&Binding->Calls));
	return STATUS_SUCCESS;
}

/* Any context (<= DISPATCH_LEVEL): does not sleep. */
_Use_decl_annotations_
static VOID ProviderCleanupBindingContext(PVOID ProviderBindingContext)
{
	PPROVIDER_BINDING_CONTEXT Binding = ProviderBindingContext;

	pr_info("binding %u to client %s cleaned up (clients now %d)\n", Binding->Id,
		Binding->ClientName, atomic_dec_return(&Binding->Registration->Clients));
	kfree(Binding);
}

static NTSTATUS DriverEntry(VOID)
{
	NTSTATUS Status;

	pr_info("registering as a provider of the sample NPI %pUl, version %u (hold_ms=%u)\n",
		&NPI_SAMPLE_ID, ProviderNpiCharacteristics.version, hold_ms);
	Status = NmrRegisterProvider(&ProviderCharacteristics, &ProviderRegistrationContext,
				     &ProviderHandle);
	if (!NT_SUCCESS(Status)) {
		pr_err("NmrRegisterProvider failed: 0x%08x\n", (ULONG)Status);
		return Status;
	}
	pr_info("registered (clients now %d)\n",
		atomic_read(&ProviderRegistrationContext.Clients));
	return STATUS_SUCCESS;
}

/* "Unloading a Provider Module", as in the Windows documentation. */
static VOID Unload(VOID)
{
	NTSTATUS Status;

	pr_info("unloading: NmrDeregisterProvider()\n");
	Status = NmrDeregisterProvider(ProviderHandle);
	if (Status == STATUS_PENDING) {
		pr_info("NmrDeregisterProvider() returned STATUS_PENDING: NmrWaitForProviderDeregisterComplete()\n");
		Status = NmrWaitForProviderDeregisterComplete(ProviderHandle);
	}
	pr_info("deregistration complete (status 0x%08x); unloaded\n", (ULONG)Status);
}

static int __init nmr_sample_provider_win_init(void)
{
	return nmr_ntstatus_to_errno(DriverEntry());
}
module_init(nmr_sample_provider_win_init);

static void __exit nmr_sample_provider_win_exit(void)
{
	Unload();
}
module_exit(nmr_sample_provider_win_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a provider of the sample NPI written against the Windows NMR API");
NMR_IMPORT_NS();
