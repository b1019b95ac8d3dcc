/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wdk.h - the WDK basics that Windows NMR code is written with.
 */

/**
 * DOC: WDK basics
 *
 * A Windows network module is written with the WDK's base types, its SAL
 * and IRQL annotations, NTSTATUS values and GUIDs before it calls a single
 * Nmr* function.  This header, included by <nmr/netioddk.h>, gives it
 * those, so its NMR code compiles as the WDK documentation writes it:
 *
 * - IN, OUT, OPTIONAL and the SAL annotations (_In_, _Out_opt_,
 *   _IRQL_requires_max_(), _Function_class_(), _Use_decl_annotations_, ...)
 *   are empty: they are for the WDK's static analysis, and Linux has its
 *   own (sparse, lockdep, might_sleep()).
 * - UNREFERENCED_PARAMETER() is what it is on Windows, a cast to void.
 * - KIRQL, PASSIVE_LEVEL and DISPATCH_LEVEL exist for the annotations and
 *   for code that names them; nothing raises or lowers an IRQL ("IRQL" in
 *   <nmr/netioddk.h> says which kernel context each level is).
 * - NTSTATUS holds the Windows values, NT_SUCCESS(), NT_INFORMATION(),
 *   NT_WARNING() and NT_ERROR() test them as on Windows, and
 *   nmr_ntstatus_to_errno() and nmr_errno_to_ntstatus() convert.
 * - GUID has the Windows layout and alignment; DEFINE_GUID() and
 *   IsEqualGUID() work as on Windows.
 */

/**
 * DOC: NTSTATUS and errno
 *
 * The five codes of the contract convert both ways: STATUS_SUCCESS is 0,
 * STATUS_PENDING -EINPROGRESS, STATUS_NOINTERFACE -ENODEV,
 * STATUS_INSUFFICIENT_RESOURCES -ENOMEM and STATUS_INVALID_PARAMETER
 * -EINVAL.  Every other STATUS_* code defined here has the errno of the
 * same meaning and converts to it and back to itself, except where two
 * codes mean one errno.  Then the one a native errno becomes is the
 * failure code a Windows caller expects for it, and the other converts one
 * way only:
 *
 * - STATUS_NO_MEMORY becomes -ENOMEM, which is the contract's
 *   STATUS_INSUFFICIENT_RESOURCES (what Windows allocators return).
 * - STATUS_OBJECT_NAME_NOT_FOUND becomes -ENOENT, which is
 *   STATUS_NOT_FOUND, the generic code.
 * - STATUS_NOT_IMPLEMENTED becomes -EOPNOTSUPP, which is
 *   STATUS_NOT_SUPPORTED: the kernel keeps -ENOSYS for system calls that
 *   do not exist.
 * - STATUS_TIMEOUT, a success code (a wait that timed out), becomes
 *   -ETIMEDOUT, which is STATUS_IO_TIMEOUT: a native error must stay a
 *   failure for NT_SUCCESS().
 *
 * Any other failure (NT_SUCCESS() false) becomes -EIO, and any other
 * success code 0; any other errno becomes STATUS_UNSUCCESSFUL.
 */
#ifndef _NMR_WDK_H
#define _NMR_WDK_H

#include <asm/byteorder.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#ifndef __LITTLE_ENDIAN
#error "wdk.h: GUID and LUID have their Windows, little-endian, layout"
#endif

#define VOID	void
#define CONST	const
#define NTAPI

#define IN
#define OUT
#define OPTIONAL

/* SAL 2: parameters and return values. */
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(size)
#define _In_reads_opt_(size)
#define _In_reads_bytes_(size)
#define _In_reads_bytes_opt_(size)
#define _Out_
#define _Out_opt_
#define _Out_writes_(size)
#define _Out_writes_opt_(size)
#define _Out_writes_bytes_(size)
#define _Out_writes_bytes_opt_(size)
#define _Out_writes_bytes_to_(size, count)
#define _Inout_
#define _Inout_opt_
#define _Inout_updates_(size)
#define _Inout_updates_bytes_(size)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_result_buffer_(size)
#define _Deref_out_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_(expr)
#define _When_(expr, annotations)
#define _Use_decl_annotations_
#define _Function_class_(name)
#define _Field_size_(size)
#define _Field_size_bytes_(size)
#define _Struct_size_bytes_(size)
#define _Post_invalid_
#define _Pre_notnull_
#define _Analysis_assume_(expr)
#define _Printf_format_string_
#define _Interlocked_

/* SAL 2: IRQL and locks. */
#define _IRQL_requires_(irql)
#define _IRQL_requires_max_(irql)
#define _IRQL_requires_min_(irql)
#define _IRQL_requires_same_
#define _IRQL_raises_(irql)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(kind, param)
#define _IRQL_restores_global_(kind, param)
#define _IRQL_always_function_max_(irql)
#define _IRQL_always_function_min_(irql)
#define _Acquires_lock_(lock)
#define _Releases_lock_(lock)
#define _Requires_lock_held_(lock)
#define _Requires_lock_not_held_(lock)
#define _Guarded_by_(lock)

/* The older driver annotations, still in the WDK's samples. */
#define __drv_aliasesMem
#define __drv_allocatesMem(kind)
#define __drv_freesMem(kind)
#define __drv_maxIRQL(irql)
#define __drv_requiresIRQL(irql)
#define __drv_sameIRQL
#define __drv_dispatchType(type)

#define UNREFERENCED_PARAMETER(P)	((void)(P))

typedef u8 UCHAR;
typedef u8 BOOLEAN;
typedef u16 USHORT;
typedef s32 LONG;
typedef u32 ULONG;
typedef u64 ULONG64;
typedef void *PVOID;
typedef void *HANDLE;
typedef void **PHANDLE;

#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

typedef UCHAR KIRQL;

#define PASSIVE_LEVEL	0
#define APC_LEVEL	1
#define DISPATCH_LEVEL	2

typedef LONG NTSTATUS;

/* Success and informational. */
#define STATUS_SUCCESS			((NTSTATUS)0x00000000)
#define STATUS_TIMEOUT			((NTSTATUS)0x00000102)
#define STATUS_PENDING			((NTSTATUS)0x00000103)
/* Warnings. */
#define STATUS_BUFFER_OVERFLOW		((NTSTATUS)0x80000005)
#define STATUS_DEVICE_BUSY		((NTSTATUS)0x80000011)
/* Errors. */
#define STATUS_UNSUCCESSFUL		((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED		((NTSTATUS)0xC0000002)
#define STATUS_INVALID_HANDLE		((NTSTATUS)0xC0000008)
#define STATUS_INVALID_PARAMETER	((NTSTATUS)0xC000000D)
#define STATUS_NO_SUCH_DEVICE		((NTSTATUS)0xC000000E)
#define STATUS_INVALID_DEVICE_REQUEST	((NTSTATUS)0xC0000010)
#define STATUS_NO_MEMORY		((NTSTATUS)0xC0000017)
#define STATUS_ACCESS_DENIED		((NTSTATUS)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL		((NTSTATUS)0xC0000023)
#define STATUS_OBJECT_NAME_NOT_FOUND	((NTSTATUS)0xC0000034)
#define STATUS_OBJECT_NAME_COLLISION	((NTSTATUS)0xC0000035)
#define STATUS_PRIVILEGE_NOT_HELD	((NTSTATUS)0xC0000061)
#define STATUS_INSUFFICIENT_RESOURCES	((NTSTATUS)0xC000009A)
#define STATUS_DEVICE_NOT_CONNECTED	((NTSTATUS)0xC000009D)
#define STATUS_DEVICE_NOT_READY		((NTSTATUS)0xC00000A3)
#define STATUS_IO_TIMEOUT		((NTSTATUS)0xC00000B5)
#define STATUS_NOT_SUPPORTED		((NTSTATUS)0xC00000BB)
#define STATUS_CANCELLED		((NTSTATUS)0xC0000120)
#define STATUS_ADDRESS_ALREADY_EXISTS	((NTSTATUS)0xC000020A)
#define STATUS_CONNECTION_RESET		((NTSTATUS)0xC000020D)
#define STATUS_NOT_FOUND		((NTSTATUS)0xC0000225)
#define STATUS_CONNECTION_REFUSED	((NTSTATUS)0xC0000236)
#define STATUS_NETWORK_UNREACHABLE	((NTSTATUS)0xC000023C)
#define STATUS_HOST_UNREACHABLE		((NTSTATUS)0xC000023D)
#define STATUS_CONNECTION_ABORTED	((NTSTATUS)0xC0000241)
#define STATUS_NOINTERFACE		((NTSTATUS)0xC00002B9)

/* Success and informational codes are non-negative, STATUS_PENDING too. */
#define NT_SUCCESS(Status)	(((NTSTATUS)(Status)) >= 0)
/* The severity, the top two bits: 1 informational, 2 warning, 3 error. */
#define NT_INFORMATION(Status)	((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status)	((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status)	((((ULONG)(Status)) >> 30) == 3)

/**
 * nmr_ntstatus_to_errno() - the errno for an NTSTATUS
 * @status: what a Windows function or callback returned.
 *
 * "NTSTATUS and errno" above gives the table and the four codes that
 * convert one way only.
 *
 * Return: 0 for STATUS_SUCCESS, -EINPROGRESS for STATUS_PENDING, -ENODEV
 * for STATUS_NOINTERFACE, -ENOMEM for STATUS_INSUFFICIENT_RESOURCES and
 * STATUS_NO_MEMORY, -EINVAL for STATUS_INVALID_PARAMETER, the errno of the
 * same meaning for every other STATUS_* code defined here; for any other
 * code 0 if NT_SUCCESS() holds, else -EIO.
 */
static inline int nmr_ntstatus_to_errno(NTSTATUS status)
{
	switch (status) {
	case STATUS_SUCCESS:
		return 0;
	case STATUS_PENDING:
		return -EINPROGRESS;
	case STATUS_NOINTERFACE:
		return -ENODEV;
	case STATUS_INSUFFICIENT_RESOURCES:
	case STATUS_NO_MEMORY:
		return -ENOMEM;
	case STATUS_INVALID_PARAMETER:
		return -EINVAL;
	case STATUS_TIMEOUT:
	case STATUS_IO_TIMEOUT:
		return -ETIMEDOUT;
	case STATUS_BUFFER_OVERFLOW:
		return -EOVERFLOW;
	case STATUS_DEVICE_BUSY:
		return -EBUSY;
	case STATUS_NOT_IMPLEMENTED:
	case STATUS_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case STATUS_INVALID_HANDLE:
		return -EBADF;
	case STATUS_NO_SUCH_DEVICE:
		return -ENXIO;
	case STATUS_INVALID_DEVICE_REQUEST:
		return -ENOTTY;
	case STATUS_ACCESS_DENIED:
		return -EACCES;
	case STATUS_BUFFER_TOO_SMALL:
		return -ERANGE;
	case STATUS_OBJECT_NAME_NOT_FOUND:
	case STATUS_NOT_FOUND:
		return -ENOENT;
	case STATUS_OBJECT_NAME_COLLISION:
		return -EEXIST;
	case STATUS_PRIVILEGE_NOT_HELD:
		return -EPERM;
	case STATUS_DEVICE_NOT_CONNECTED:
		return -ENOTCONN;
	case STATUS_DEVICE_NOT_READY:
		return -EAGAIN;
	case STATUS_CANCELLED:
		return -ECANCELED;
	case STATUS_ADDRESS_ALREADY_EXISTS:
		return -EADDRINUSE;
	case STATUS_CONNECTION_RESET:
		return -ECONNRESET;
	case STATUS_CONNECTION_REFUSED:
		return -ECONNREFUSED;
	case STATUS_NETWORK_UNREACHABLE:
		return -ENETUNREACH;
	case STATUS_HOST_UNREACHABLE:
		return -EHOSTUNREACH;
	case STATUS_CONNECTION_ABORTED:
		return -ECONNABORTED;
	default:
		return NT_SUCCESS(status) ? 0 : -EIO;
	}
}

/**
 * nmr_errno_to_ntstatus() - the NTSTATUS for an errno
 * @err: what a native function or callback returned.
 *
 * The inverse of nmr_ntstatus_to_errno() wherever it is one to one
 * ("NTSTATUS and errno" above).
 *
 * Return: STATUS_SUCCESS for 0, STATUS_PENDING for -EINPROGRESS,
 * STATUS_NOINTERFACE for -ENODEV, STATUS_INSUFFICIENT_RESOURCES for -ENOMEM,
 * STATUS_INVALID_PARAMETER for -EINVAL, STATUS_IO_TIMEOUT for -ETIMEDOUT,
 * STATUS_NOT_SUPPORTED for -EOPNOTSUPP, STATUS_NOT_FOUND for -ENOENT, the
 * STATUS_* code of the same meaning for every other errno that
 * nmr_ntstatus_to_errno() returns, STATUS_UNSUCCESSFUL for anything else.
 */
static inline NTSTATUS nmr_errno_to_ntstatus(int err)
{
	switch (err) {
	case 0:
		return STATUS_SUCCESS;
	case -EINPROGRESS:
		return STATUS_PENDING;
	case -ENODEV:
		return STATUS_NOINTERFACE;
	case -ENOMEM:
		return STATUS_INSUFFICIENT_RESOURCES;
	case -EINVAL:
		return STATUS_INVALID_PARAMETER;
	case -ETIMEDOUT:
		return STATUS_IO_TIMEOUT;
	case -EOVERFLOW:
		return STATUS_BUFFER_OVERFLOW;
	case -EBUSY:
		return STATUS_DEVICE_BUSY;
	case -EOPNOTSUPP:
		return STATUS_NOT_SUPPORTED;
	case -EBADF:
		return STATUS_INVALID_HANDLE;
	case -ENXIO:
		return STATUS_NO_SUCH_DEVICE;
	case -ENOTTY:
		return STATUS_INVALID_DEVICE_REQUEST;
	case -EACCES:
		return STATUS_ACCESS_DENIED;
	case -ERANGE:
		return STATUS_BUFFER_TOO_SMALL;
	case -ENOENT:
		return STATUS_NOT_FOUND;
	case -EEXIST:
		return STATUS_OBJECT_NAME_COLLISION;
	case -EPERM:
		return STATUS_PRIVILEGE_NOT_HELD;
	case -ENOTCONN:
		return STATUS_DEVICE_NOT_CONNECTED;
	case -EAGAIN:
		return STATUS_DEVICE_NOT_READY;
	case -ECANCELED:
		return STATUS_CANCELLED;
	case -EADDRINUSE:
		return STATUS_ADDRESS_ALREADY_EXISTS;
	case -ECONNRESET:
		return STATUS_CONNECTION_RESET;
	case -ECONNREFUSED:
		return STATUS_CONNECTION_REFUSED;
	case -ENETUNREACH:
		return STATUS_NETWORK_UNREACHABLE;
	case -EHOSTUNREACH:
		return STATUS_HOST_UNREACHABLE;
	case -ECONNABORTED:
		return STATUS_CONNECTION_ABORTED;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

/**
 * struct _GUID - GUID, with the Windows layout and alignment
 * @Data1: the first 4 bytes, little-endian.
 * @Data2: the next 2, little-endian.
 * @Data3: the next 2, little-endian.
 * @Data4: the last 8, in order.
 *
 * 16 bytes, 4-aligned, so that a structure embedding a GUID lays out as on
 * Windows.  A guid_t has the same 16 bytes but is only byte-aligned: a
 * Windows module reads the GUIDs it owns and the module ids NMR hands it
 * (&struct nmr_module_id is 8-aligned) through their fields, and an NPI
 * id a native peer gave, which may sit at any address, only with
 * IsEqualGUID() or memcpy() ("GUIDs" in <nmr/netioddk.h>).
 */
typedef struct _GUID {
	ULONG Data1;
	USHORT Data2;
	USHORT Data3;
	UCHAR Data4[8];
} GUID;

static_assert(sizeof(GUID) == 16 && __alignof__(GUID) == 4);
static_assert(offsetof(GUID, Data1) == 0 && offsetof(GUID, Data2) == 4 &&
	      offsetof(GUID, Data3) == 6 && offsetof(GUID, Data4) == 8);

/**
 * IsEqualGUID() - whether two GUIDs have the same value
 * @rguid1: a GUID.
 * @rguid2: another GUID.
 *
 * Compares the 16 bytes, as Windows does, so either may be a guid_t at any
 * address read through a GUID pointer.
 *
 * Return: TRUE if the values are equal, else FALSE.
 */
static inline BOOLEAN IsEqualGUID(const GUID *rguid1, const GUID *rguid2)
{
	return !memcmp((const void *)rguid1, (const void *)rguid2, sizeof(GUID));
}

#endif /* _NMR_WDK_H */

/*
 * DEFINE_GUID(name, l, w1, w2, b1, ..., b8): with INITGUID defined before
 * the header is included, defines the GUID; without, declares it, so that
 * one file of a module defines what its headers declare, as on Windows.
 * The definition declares it first, so that it is not taken for a global
 * that should have been static.  Outside the include guard, as in the
 * WDK's guiddef.h, so that a file defining INITGUID after a first
 * inclusion gets the defining form.
 */
#undef DEFINE_GUID
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
	extern const GUID name; \
	const GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
	extern const GUID name
#endif
