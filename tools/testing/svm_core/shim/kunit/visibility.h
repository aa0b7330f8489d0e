/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* user space has no KUnit: everything is visible, nothing is exported */
#define VISIBLE_IF_KUNIT
#define SVM_SHIM_NOT_EXPORTED(sym)	static_assert(1, #sym)
#define EXPORT_SYMBOL_IF_KUNIT		SVM_SHIM_NOT_EXPORTED
