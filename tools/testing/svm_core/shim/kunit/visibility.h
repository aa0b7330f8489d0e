/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* user space has no KUnit: everything is visible */
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
