// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_sample_client_win - a client of the sample NPI written as a Windows
 * NMR client, against <nmr/netioddk.h>.
 *
 * Everything between the includes and the module frame at the end is what
 * a Windows client module looks like, after the WDK documentation's
 * "Registering a Client Module", "Attaching a Client Module to a Provider
 * Module", "Detaching a Client Module from a Provider Module" and
 * "Unloading a Client Module": SAL annotations, NTSTATUS, the NPI id from
 * DEFINE_GUID(), NPI_CLIENT_CHARACTERISTICS, the ClientAttachProvider
 * callback that checks the provider's module id with
 * NmrIsEqualNpiModuleId() and attaches with NmrClientAttachProvider(), a
 * ClientDetachProvider that returns STATUS_PENDING while a call is in
 * flight, and the work item that made the call calling
 * NmrClientDetachProviderComplete() when it returns.  What a port changes
 * is listed in docs/porting.md: module_init and module_exit call
 * DriverEntry and Unload, a spinlock_t stands for the KSPIN_LOCK, kzalloc()
 * for ExAllocatePool2(), a work item on a workqueue for IoQueueWorkItem()
 * and pr_info() for DbgPrint().
 *
 * It attaches only to nmr_sample_provider_win (by its module id) and
 * declines any other provider of the sample NPI with STATUS_NOINTERFACE.
 * Each binding's work item calls the provider every period_ms; a provider
 * loaded with hold_ms holds each request in flight that long, so an
 * unload meets one.
 *
 *   insmod nmr_sample_client_win.ko [period_ms=500]
 *   rmmod nmr_sample_client_win
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define INITGUID

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <nmr/netioddk.h>
#include <nmr_sample_npi.h>
#include <nmr_sample_npi_win.h>

static unsigned int period_ms = 500;
module_param(period_ms, uint, 0644);
MODULE_PARM_DESC(period_ms, "Milliseconds between calls into the provider (default 500)");

/* {c5a1e0d2-7f3b-4a69-8e12-6b0d9c4f2a57} */
static const NPI_MODULEID ClientModuleId = {
	sizeof(NPI_MODULEID),
	MIT_GUID,
	{ { 0xc5a1e0d2, 0x7f3b, 0x4a69, { 0x8e, 0x12, 0x6b, 0x0d, 0x9c, 0x4f, 0x2a, 0x57 } } }
};

/* nmr_sample_provider_win's module id, {3f1c2a8e-5b7d-4e10-9c6a-2d4e8f0b1a93} */
static const NPI_MODULEID SampleProviderWinModuleId = {
	sizeof(NPI_MODULEID),
	MIT_GUID,
	{ { 0x3f1c2a8e, 0x5b7d, 0x4e10, { 0x9c, 0x6a, 0x2d, 0x4e, 0x8f, 0x0b, 0x1a, 0x93 } } }
};

/**
 * struct _CLIENT_BINDING_CONTEXT - the client's context for one provider
 * @NmrBindingHandle: for NmrClientDetachProviderComplete().
 * @ProviderName: the provider's name, from its NPI-specific characteristics.
 * @ProviderBindingContext: passed to @ProviderDispatch's functions.
 * @ProviderDispatch: the provider's functions.
 * @WorkItem: calls the provider, then queues itself again until detach.
 * @Lock: protects @CallInProgress, @Detaching and @DetachPending.
 * @CallInProgress: @WorkItem is queued or running, so a call may be in
 *	flight.
 * @Detaching: ClientDetachProvider ran: @WorkItem makes no new call.
 * @DetachPending: ClientDetachProvider returned STATUS_PENDING; @WorkItem
 *	calls NmrClientDetachProviderComplete() when it ends.
 * @Calls: calls made so far; only @WorkItem touches it while
 *	@CallInProgress.
 * @RequestsDone: RequestDone callbacks received.
 */
typedef struct _CLIENT_BINDING_CONTEXT {
	HANDLE NmrBindingHandle;
	const char *ProviderName;
	PVOID ProviderBindingContext;
	const struct nmr_sample_provider_dispatch *ProviderDispatch;
	struct delayed_work WorkItem;
	spinlock_t Lock;	/* @CallInProgress, @Detaching, @DetachPending */
	BOOLEAN CallInProgress;
	BOOLEAN Detaching;
	BOOLEAN DetachPending;
	ULONG Calls;
	atomic_t RequestsDone;
} CLIENT_BINDING_CONTEXT, *PCLIENT_BINDING_CONTEXT;

static HANDLE ClientHandle;
static struct workqueue_struct *ClientWorkQueue;

static NPI_CLIENT_ATTACH_PROVIDER_FN ClientAttachProvider;
static NPI_CLIENT_DETACH_PROVIDER_FN ClientDetachProvider;
static NPI_CLIENT_CLEANUP_BINDING_CONTEXT_FN ClientCleanupBindingContext;

static const struct nmr_sample_npi_chars ClientNpiCharacteristics = {
	.version = NMR_SAMPLE_NPI_VERSION,
	.name = KBUILD_MODNAME,
};

static const NPI_CLIENT_CHARACTERISTICS ClientCharacteristics = {
	0,
	sizeof(NPI_CLIENT_CHARACTERISTICS),
	ClientAttachProvider,
	ClientDetachProvider,
	ClientCleanupBindingContext,
	{
		0,
		sizeof(NPI_REGISTRATION_INSTANCE),
		&NPI_SAMPLE_ID,
		&ClientModuleId,
		0,
		&ClientNpiCharacteristics,
	},
};

/* The sample NPI's client callback, with the NPI's own types. */
static void ClientRequestDone(void *ClientBindingContext, u32 Cookie, int Status)
{
	PCLIENT_BINDING_CONTEXT BindingContext = ClientBindingContext;

	UNREFERENCED_PARAMETER(Cookie);
	UNREFERENCED_PARAMETER(Status);
	atomic_inc(&BindingContext->RequestsDone);
}

static const struct nmr_sample_client_dispatch ClientDispatch = {
	.request_done = ClientRequestDone,
};

/* One call into the provider; logs calls 1, 2, 4, 8, ... */
static void ClientCallProvider(PCLIENT_BINDING_CONTEXT BindingContext)
{
	const struct nmr_sample_provider_dispatch *Dispatch = BindingContext->ProviderDispatch;
	ULONG Call = ++BindingContext->Calls;
	u64 Sum;
	int Error;

	Sum = Dispatch->add(BindingContext->ProviderBindingContext, 1);
	Error = Dispatch->request(BindingContext->ProviderBindingContext, Call);
	if (Error)
		pr_info("call %u into %s: request: %d\n", Call, BindingContext->ProviderName,
			Error);
	else if (is_power_of_2(Call))
		pr_info("call %u into %s: sum %llu, %d requests done\n", Call,
			BindingContext->ProviderName, Sum,
			atomic_read(&BindingContext->RequestsDone));
}

/*
 * The work item, the client's only caller into the provider: "a call in
 * flight" is "the work item is queued or running".  Once the detach has
 * begun it makes no new call, and if the detach is pending on it, it
 * completes it; BindingContext may then be freed, so it is not touched
 * after.
 */
static void ClientWorkItem(struct work_struct *Work)
{
	PCLIENT_BINDING_CONTEXT BindingContext =
		container_of(to_delayed_work(Work), CLIENT_BINDING_CONTEXT, WorkItem);
	unsigned long Flags;
	BOOLEAN Detaching;
	BOOLEAN Complete;

	spin_lock_irqsave(&BindingContext->Lock, Flags);
	Detaching = BindingContext->Detaching;
	spin_unlock_irqrestore(&BindingContext->Lock, Flags);
	if (!Detaching) {
		ClientCallProvider(BindingContext);

		spin_lock_irqsave(&BindingContext->Lock, Flags);
		Detaching = BindingContext->Detaching;
		if (!Detaching)
			queue_delayed_work(ClientWorkQueue, &BindingContext->WorkItem,
					   msecs_to_jiffies(READ_ONCE(period_ms)));
		spin_unlock_irqrestore(&BindingContext->Lock, Flags);
	}
	if (!Detaching)
		return;

	spin_lock_irqsave(&BindingContext->Lock, Flags);
	BindingContext->CallInProgress = FALSE;
	Complete = BindingContext->DetachPending;
	spin_unlock_irqrestore(&BindingContext->Lock, Flags);
	if (Complete) {
		pr_info("call in flight into %s returned after %u calls: NmrClientDetachProviderComplete()\n",
			BindingContext->ProviderName, BindingContext->Calls);
		NmrClientDetachProviderComplete(BindingContext->NmrBindingHandle);
	}
}

static const char *ProviderName(_In_ PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance)
{
	const struct nmr_sample_npi_chars *Chars =
		ProviderRegistrationInstance->NpiSpecificCharacteristics;

	return Chars && Chars->name ? Chars->name : "(unnamed)";
}

_Use_decl_annotations_
static NTSTATUS ClientAttachProvider(HANDLE NmrBindingHandle, PVOID ClientContext,
				     PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance)
{
	PNPI_MODULEID ProviderModuleId = ProviderRegistrationInstance->ModuleId;
	const struct nmr_sample_npi_chars *ProviderNpiSpecificCharacteristics =
		ProviderRegistrationInstance->NpiSpecificCharacteristics;
	const char *Name = ProviderName(ProviderRegistrationInstance);
	PCLIENT_BINDING_CONTEXT BindingContext;
	const void *ProviderDispatch;
	PVOID ProviderBindingContext;
	NTSTATUS Status;

	UNREFERENCED_PARAMETER(ClientContext);

	if (!ProviderModuleId ||
	    !NmrIsEqualNpiModuleId(ProviderModuleId, &SampleProviderWinModuleId)) {
		pr_info("declining provider %s: not nmr_sample_provider_win's module id\n", Name);
		return STATUS_NOINTERFACE;
	}
	if (!ProviderNpiSpecificCharacteristics ||
	    ProviderNpiSpecificCharacteristics->version != NMR_SAMPLE_NPI_VERSION) {
		pr_info("declining provider %s: another NPI version\n", Name);
		return STATUS_NOINTERFACE;
	}

	BindingContext = kzalloc(sizeof(*BindingContext), GFP_KERNEL);
	if (!BindingContext)
		return STATUS_INSUFFICIENT_RESOURCES;
	BindingContext->ProviderName = Name;
	INIT_DELAYED_WORK(&BindingContext->WorkItem, ClientWorkItem);
	spin_lock_init(&BindingContext->Lock);

	Status = NmrClientAttachProvider(NmrBindingHandle, BindingContext, &ClientDispatch,
					 &ProviderBindingContext, &ProviderDispatch);
	if (NT_SUCCESS(Status)) {
		BindingContext->NmrBindingHandle = NmrBindingHandle;
		BindingContext->ProviderBindingContext = ProviderBindingContext;
		BindingContext->ProviderDispatch = ProviderDispatch;
		pr_info("attached to provider %s: NmrClientAttachProvider() returned STATUS_SUCCESS\n",
			Name);
		/* The detach callback runs only once this returns: no lock yet. */
		BindingContext->CallInProgress = TRUE;
		queue_delayed_work(ClientWorkQueue, &BindingContext->WorkItem, 0);
	} else {
		pr_info("provider %s refused the attach: 0x%08x\n", Name, (ULONG)Status);
		kfree(BindingContext);
	}
	return Status;
}

/* May run at DISPATCH_LEVEL (atomic context): cancel_delayed_work() does not wait. */
_Use_decl_annotations_
static NTSTATUS ClientDetachProvider(PVOID ClientBindingContext)
{
	PCLIENT_BINDING_CONTEXT BindingContext = ClientBindingContext;
	unsigned long Flags;
	BOOLEAN CallInProgress;

	spin_lock_irqsave(&BindingContext->Lock, Flags);
	BindingContext->Detaching = TRUE;
	if (BindingContext->CallInProgress && cancel_delayed_work(&BindingContext->WorkItem))
		BindingContext->CallInProgress = FALSE;
	CallInProgress = BindingContext->CallInProgress;
	BindingContext->DetachPending = CallInProgress;
	spin_unlock_irqrestore(&BindingContext->Lock, Flags);

	/* BindingContext stays valid until this returns, even once completed. */
	if (CallInProgress) {
		pr_info("detaching from %s: a call is in flight, returning STATUS_PENDING\n",
			BindingContext->ProviderName);
		return STATUS_PENDING;
	}
	pr_info("detached from %s after %u calls: no call in flight, returning STATUS_SUCCESS\n",
		BindingContext->ProviderName, BindingContext->Calls);
	return STATUS_SUCCESS;
}

_Use_decl_annotations_
static VOID ClientCleanupBindingContext(PVOID ClientBindingContext)
{
	PCLIENT_BINDING_CONTEXT BindingContext = ClientBindingContext;

	pr_info("binding to %s cleaned up after %u calls, %d requests done\n",
		BindingContext->ProviderName, BindingContext->Calls,
		atomic_read(&BindingContext->RequestsDone));
	kfree(BindingContext);
}

static NTSTATUS DriverEntry(VOID)
{
	NTSTATUS Status;

	/* The work items call a provider that may sleep (hold_ms). */
	ClientWorkQueue = alloc_workqueue(KBUILD_MODNAME, 0, 0);
	if (!ClientWorkQueue)
		return STATUS_INSUFFICIENT_RESOURCES;

	pr_info("registering as a client of the sample NPI %pUl, version %u\n", &NPI_SAMPLE_ID,
		ClientNpiCharacteristics.version);
	Status = NmrRegisterClient(&ClientCharacteristics, NULL, &ClientHandle);
	if (!NT_SUCCESS(Status)) {
		pr_err("NmrRegisterClient failed: 0x%08x\n", (ULONG)Status);
		destroy_workqueue(ClientWorkQueue);
		return Status;
	}
	pr_info("registered\n");
	return STATUS_SUCCESS;
}

/* "Unloading a Client Module", as in the Windows documentation. */
static VOID Unload(VOID)
{
	NTSTATUS Status;

	pr_info("unloading: NmrDeregisterClient()\n");
	Status = NmrDeregisterClient(ClientHandle);
	if (Status == STATUS_PENDING) {
		pr_info("NmrDeregisterClient() returned STATUS_PENDING: NmrWaitForClientDeregisterComplete()\n");
		Status = NmrWaitForClientDeregisterComplete(ClientHandle);
	}
	/* The last work item may still be returning from its complete call. */
	destroy_workqueue(ClientWorkQueue);
	pr_info("deregistration complete (status 0x%08x); unloaded\n", (ULONG)Status);
}

static int __init nmr_sample_client_win_init(void)
{
	return nmr_ntstatus_to_errno(DriverEntry());
}
module_init(nmr_sample_client_win_init);

static void __exit nmr_sample_client_win_exit(void)
{
	Unload();
}
module_exit(nmr_sample_client_win_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR sample: a client of the sample NPI written against the Windows NMR API");
NMR_IMPORT_NS();
