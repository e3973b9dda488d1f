/*
 * probediff oracle: the userspace stand-in for the parts of the Linux kernel that the virtio-pci probe
 * code needs but that are not themselves under test. Every <linux/...> header the kernel sources ask
 * for resolves to this one file (the build writes one-line forwarding headers). Config-space
 * accessors, pci_resource_*(), printk, ioremap, region requests and DMA masks are implemented by the
 * glue (oracle_glue.c) so that the harness can record them and inject failures.
 * This file is written for probediff; it contains no kernel code.
 */
#ifndef PROBEDIFF_ORACLE_KERNEL_H
#define PROBEDIFF_ORACLE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <string.h>

/* ---- configuration the Debian kernels are built with ---- */
#define CONFIG_PCI 1
#define CONFIG_VIRTIO_PCI 1
#define CONFIG_VIRTIO_PCI_LEGACY 1
#define CONFIG_64BIT 1
#define CONFIG_X86_64 1
#define __KERNEL__ 1
#define __is_defined_1 1
#define __oracle_take_second(a, b, ...) b
#define __oracle_is_set(x) __oracle_is_set2(__oracle_arg_##x)
#define __oracle_arg_1 0,
#define __oracle_is_set2(x) __oracle_take_second(x 1, 0, 0)
#define IS_ENABLED(option) __oracle_is_set(option)
#define IS_BUILTIN(option) __oracle_is_set(option)
#define IS_REACHABLE(option) __oracle_is_set(option)

/* ---- types ---- */
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int8_t s8; typedef int16_t s16; typedef int32_t s32; typedef int64_t s64;
typedef u8 __u8; typedef u16 __u16; typedef u32 __u32; typedef u64 __u64;
typedef s8 __s8; typedef s16 __s16; typedef s32 __s32; typedef s64 __s64;
typedef u16 __le16; typedef u32 __le32; typedef u64 __le64;
typedef u16 __be16; typedef u32 __be32; typedef u64 __be64;
typedef u16 __virtio16; typedef u32 __virtio32; typedef u64 __virtio64;
typedef u64 resource_size_t; typedef u64 phys_addr_t; typedef u64 dma_addr_t;
typedef unsigned int gfp_t; typedef long ssize_t;
typedef struct { int counter; } atomic_t;
typedef struct { int locked; } spinlock_t;
typedef struct { int locked; } raw_spinlock_t;
struct mutex { int locked; };
struct list_head { struct list_head *next, *prev; };
struct hlist_node { struct hlist_node *next, **pprev; };
struct cpumask { unsigned long bits[1]; };
typedef struct cpumask *cpumask_var_t;
struct irq_affinity; struct work_struct { int pending; }; struct kref { atomic_t refcount; };
struct completion { int done; };
struct ida { int oracle_placeholder; };
#define ida_init(i) ((void)(i))
#define ida_destroy(i) ((void)(i))
typedef int irqreturn_t;

/* ---- compiler and helpers ---- */
#define __iomem
#define __user
#define __force
#define __rcu
#define __percpu
#define __bitwise
#define __must_check
#define __init
#define __exit
#define __cold
#undef __always_inline
#define __always_inline inline
#define noinline __attribute__((noinline))
#define __weak __attribute__((weak))
#define noinline_for_stack noinline
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __maybe_unused __attribute__((unused))
#define __packed __attribute__((packed))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* A negative array size when the condition is a true constant; nothing otherwise (as in the kernel). */
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#define BUILD_BUG_ON_ZERO(e) 0
#define WARN_ON(x) ({ int __w = !!(x); __w; })
#define WARN_ON_ONCE(x) WARN_ON(x)
#define BUG_ON(x) do { if (x) __builtin_trap(); } while (0)
#define BUG() __builtin_trap()
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define sizeof_field(T, m) sizeof(((T *)0)->m)
#define offsetofend(T, m) (offsetof(T, m) + sizeof_field(T, m))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define min(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a < __b ? __a : __b; })
#define max(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a > __b ? __a : __b; })
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define __KERNEL_DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define DIV_ROUND_UP(n, d) __KERNEL_DIV_ROUND_UP(n, d)
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define FIELD_GET(mask, reg) ((__typeof__(mask))(((reg) & (mask)) >> __builtin_ctzll(mask)))
#define FIELD_PREP(mask, val) (((__typeof__(mask))(val) << __builtin_ctzll(mask)) & (mask))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL_NS_GPL(s, ns)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_PARM_DESC(a, b)
#define MODULE_DEVICE_TABLE(a, b)
#define module_param(name, type, perm)
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))

/* ---- errno (kernel numbering) ---- */
#define ENOENT 2
#define EIO 5
#define ENXIO 6
#define ENOMEM 12
#define EBUSY 16
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define EOPNOTSUPP 95
#define EPROBE_DEFER 517

/* ---- memory ---- */
#define GFP_KERNEL 0u
void *oracle_kzalloc(size_t n);
void oracle_kfree(const void *p);
#define kzalloc(n, gfp) oracle_kzalloc(n)
#define kmalloc(n, gfp) oracle_kzalloc(n)
#define kcalloc(n, s, gfp) oracle_kzalloc((n) * (s))
#define kfree(p) oracle_kfree(p)
#define kzalloc_obj(x, ...) ((__typeof__(x) *)oracle_kzalloc(sizeof(x)))
#define kmalloc_obj(x, ...) kzalloc_obj(x)
#define kzalloc_objs(x, n, ...) ((__typeof__(x) *)oracle_kzalloc(sizeof(x) * (n)))
#define INIT_LIST_HEAD(l) do { (l)->next = (l); (l)->prev = (l); } while (0)
#define spin_lock_init(l) do { (l)->locked = 0; } while (0)
#define mutex_init(l) do { (l)->locked = 0; } while (0)

/* ---- printk ---- */
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_CONT KERN_SOH "c"
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
struct device;
__printf(1, 2) int printk(const char *fmt, ...);
__printf(3, 4) void oracle_dev_printk(const char *level, const struct device *dev, const char *fmt, ...);
/* Debug messages are off in a default kernel (dynamic debug): check the format, print nothing. */
#define oracle_no_printk(fmt, ...) ({ if (0) printk(fmt, ##__VA_ARGS__); 0; })
#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...) oracle_no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define dev_err(dev, fmt, ...) oracle_dev_printk(KERN_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...) oracle_dev_printk(KERN_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) oracle_dev_printk(KERN_NOTICE, dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) oracle_dev_printk(KERN_INFO, dev, fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...) ({ if (0) oracle_dev_printk(KERN_DEBUG, dev, fmt, ##__VA_ARGS__); })
#define pci_err(pdev, fmt, ...) dev_err(&(pdev)->dev, fmt, ##__VA_ARGS__)
#define pci_warn(pdev, fmt, ...) dev_warn(&(pdev)->dev, fmt, ##__VA_ARGS__)
#define pci_notice(pdev, fmt, ...) dev_notice(&(pdev)->dev, fmt, ##__VA_ARGS__)
#define pci_info(pdev, fmt, ...) dev_info(&(pdev)->dev, fmt, ##__VA_ARGS__)
#define pci_dbg(pdev, fmt, ...) dev_dbg(&(pdev)->dev, fmt, ##__VA_ARGS__)

/* ---- resources ---- */
#define IORESOURCE_BITS 0x000000ff
#define IORESOURCE_TYPE_BITS 0x00001f00
#define IORESOURCE_IO 0x00000100
#define IORESOURCE_MEM 0x00000200
#define IORESOURCE_REG 0x00000300
#define IORESOURCE_IRQ 0x00000400
#define IORESOURCE_DMA 0x00000800
#define IORESOURCE_BUS 0x00001000
#define IORESOURCE_PREFETCH 0x00002000
#define IORESOURCE_READONLY 0x00004000
#define IORESOURCE_MEM_64 0x00100000
#define IORESOURCE_WINDOW 0x00200000
#define IORESOURCE_EXCLUSIVE 0x08000000
#define IORESOURCE_DISABLED 0x10000000
#define IORESOURCE_UNSET 0x20000000
#define IORESOURCE_BUSY 0x80000000
struct resource {
	resource_size_t start, end;
	const char *name;
	unsigned long flags;
	unsigned long desc;
	struct resource *parent, *sibling, *child;
};
static inline resource_size_t resource_size(const struct resource *r) { return r->end - r->start + 1; }
struct resource *oracle_request_region(resource_size_t start, resource_size_t n, const char *name, int io);
void oracle_release_region(resource_size_t start, resource_size_t n, int io);
#define request_region(start, n, name) oracle_request_region((start), (n), (name), 1)
#define request_mem_region(start, n, name) oracle_request_region((start), (n), (name), 0)
#define __request_mem_region(start, n, name, excl) oracle_request_region((start), (n), (name), 0)
#define request_mem_region_exclusive(start, n, name) oracle_request_region((start), (n), (name), 0)
#define release_region(start, n) oracle_release_region((start), (n), 1)
#define release_mem_region(start, n) oracle_release_region((start), (n), 0)

/* ---- devices and drivers ---- */
struct device_driver {
	const char *name;
	int (*probe)(struct device *dev);
};
struct bus_type {
	const char *name;
	int (*probe)(struct device *dev);
};
struct device {
	struct device *parent;
	const char *init_name;
	const struct bus_type *bus;
	const struct device_driver *driver;
	void *driver_data;
	void (*release)(struct device *dev);
	u64 *dma_mask;
	u64 coherent_dma_mask;
};
static inline const char *dev_name(const struct device *dev) { return dev->init_name; }
static inline void *dev_get_drvdata(const struct device *dev) { return dev->driver_data; }
static inline void dev_set_drvdata(struct device *dev, void *data) { dev->driver_data = data; }
void put_device(struct device *dev);
struct device *get_device(struct device *dev);
void driver_deferred_probe_add_trigger(struct device *dev, int local_trigger_count);

/* ---- DMA (failure injection in the glue) ---- */
int dma_set_mask(struct device *dev, u64 mask);
int dma_set_coherent_mask(struct device *dev, u64 mask);
int dma_set_mask_and_coherent(struct device *dev, u64 mask);

/* ---- PCI ---- */
#include <linux/pci_regs.h>
#define PCI_ANY_ID (~0)
#define DEVICE_COUNT_RESOURCE 17
#define PCI_NUM_RESOURCES 17
#define PCI_ROM_RESOURCE 6
#define PCIBIOS_SUCCESSFUL 0x00
#define PCIBIOS_BAD_REGISTER_NUMBER 0x87
struct pci_device_id {
	u32 vendor, device, subvendor, subdevice, class, class_mask;
	unsigned long driver_data;
};
#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_DEVICE(vend, dev) .vendor = (vend), .device = (dev), .subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID
struct pci_bus { unsigned char number; };
struct pci_dev {
	struct pci_bus *bus;
	unsigned int devfn;
	unsigned short vendor, device, subsystem_vendor, subsystem_device;
	unsigned int class;
	u8 revision;
	u8 hdr_type;
	int cfg_size;
	struct device dev;
	struct resource resource[DEVICE_COUNT_RESOURCE];
	unsigned int is_managed:1;
	unsigned int msi_enabled:1;
	unsigned int msix_enabled:1;
};
int pci_read_config_byte(const struct pci_dev *dev, int where, u8 *val);
int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val);
int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val);
int pci_write_config_byte(const struct pci_dev *dev, int where, u8 val);
int pci_write_config_word(const struct pci_dev *dev, int where, u16 val);
int pci_write_config_dword(const struct pci_dev *dev, int where, u32 val);
int pci_bus_read_config_byte(struct pci_bus *bus, unsigned int devfn, int where, u8 *val);
int pci_bus_read_config_word(struct pci_bus *bus, unsigned int devfn, int where, u16 *val);
int pci_bus_read_config_dword(struct pci_bus *bus, unsigned int devfn, int where, u32 *val);
resource_size_t oracle_resource_start(const struct pci_dev *dev, int bar);
resource_size_t oracle_resource_len(const struct pci_dev *dev, int bar);
unsigned long oracle_resource_flags(const struct pci_dev *dev, int bar);
#define pci_resource_start(dev, bar) oracle_resource_start((dev), (bar))
#define pci_resource_len(dev, bar) oracle_resource_len((dev), (bar))
#define pci_resource_flags(dev, bar) oracle_resource_flags((dev), (bar))
#define pci_resource_end(dev, bar) (oracle_resource_start((dev), (bar)) + oracle_resource_len((dev), (bar)) - 1)
#define pci_resource_n(dev, bar) (&(dev)->resource[(bar)])
static inline const char *pci_name(const struct pci_dev *pdev) { return dev_name(&pdev->dev); }
static inline void *pci_get_drvdata(struct pci_dev *pdev) { return dev_get_drvdata(&pdev->dev); }
static inline void pci_set_drvdata(struct pci_dev *pdev, void *data) { dev_set_drvdata(&pdev->dev, data); }
static inline int pci_is_managed(struct pci_dev *pdev) { (void)pdev; return 0; }
int pci_enable_device(struct pci_dev *dev);
void pci_disable_device(struct pci_dev *dev);
void pci_set_master(struct pci_dev *dev);
int pcim_request_region(struct pci_dev *pdev, int bar, const char *name);
int pcim_request_region_exclusive(struct pci_dev *pdev, int bar, const char *name);
void pcim_release_region(struct pci_dev *pdev, int bar);
static inline bool pci_dev_is_disconnected(const struct pci_dev *dev) { (void)dev; return false; }
#define to_pci_dev(n) container_of(n, struct pci_dev, dev)
void pci_iounmap(struct pci_dev *dev, void __iomem *addr);
/* Managed (devres) PCI: virtio-pci never uses it, so these are never reached. */
typedef void (*dr_release_t)(struct device *dev, void *res);
void *devres_find(struct device *dev, dr_release_t release, void *match, void *match_data);
void *devres_alloc(dr_release_t release, size_t size, gfp_t gfp);
void devres_add(struct device *dev, void *res);
void devres_free(void *res);
void pci_clear_mwi(struct pci_dev *dev);
void pci_intx(struct pci_dev *dev, int enable);
void pci_disable_msi(struct pci_dev *dev);
void pci_disable_msix(struct pci_dev *dev);

/* ---- I/O: mappings are recorded, never dereferenced ---- */
void __iomem *ioremap(resource_size_t offset, unsigned long size);
void __iomem *ioport_map(unsigned long port, unsigned int nr);
void iounmap(volatile void __iomem *addr);
void ioport_unmap(void __iomem *addr);
#define __pci_ioport_map(dev, port, nr) ioport_map((port), (nr))
/* Device register accesses: only the common config's queue_select / queue_notify_off during the
 * per-queue notify mapping are served (oracle_glue.c); any other access aborts the harness. */
unsigned int oracle_io_access(const volatile void *addr, int width, int write, unsigned int value);
#define ioread8(a) ((u8)oracle_io_access((a), 1, 0, 0))
#define ioread16(a) ((u16)oracle_io_access((a), 2, 0, 0))
#define ioread32(a) ((u32)oracle_io_access((a), 4, 0, 0))
#define iowrite8(v, a) ((void)oracle_io_access((a), 1, 1, (v)))
#define iowrite16(v, a) ((void)oracle_io_access((a), 2, 1, (v)))
#define iowrite32(v, a) ((void)oracle_io_access((a), 4, 1, (v)))
#define readb(a) ((u8)oracle_io_access((a), 1, 0, 0))
#define readw(a) ((u16)oracle_io_access((a), 2, 0, 0))
#define readl(a) ((u32)oracle_io_access((a), 4, 0, 0))
#define writeb(v, a) ((void)oracle_io_access((a), 1, 1, (v)))
#define writew(v, a) ((void)oracle_io_access((a), 2, 1, (v)))
#define writel(v, a) ((void)oracle_io_access((a), 4, 1, (v)))
#define msleep(ms) ((void)(ms))
#define udelay(us) ((void)(us))

/* ---- virtio core (only the shapes the probe code touches) ---- */
struct virtio_device_id { __u32 device; __u32 vendor; };
struct virtqueue;
typedef void vq_callback_t(struct virtqueue *);
struct virtqueue_info { const char *name; vq_callback_t *callback; bool ctx; };
struct virtio_config_ops { int oracle_placeholder; };
struct virtio_shm_region { u64 addr; u64 len; };
struct virtio_admin_cmd;
struct virtio_device {
	int index;
	bool failed;
	bool config_core_enabled;
	bool config_driver_disabled;
	bool config_change_pending;
	spinlock_t config_lock;
	spinlock_t vqs_list_lock;
	struct device dev;
	struct virtio_device_id id;
	const struct virtio_config_ops *config;
	const void *vringh_config;
	struct list_head vqs;
	u64 features;
	void *priv;
};
int register_virtio_device(struct virtio_device *dev);
void unregister_virtio_device(struct virtio_device *dev);

/* Newer trees' virtio_pci_modern.h uses the feature-array helpers (copied from the tree when present). */
#if __has_include(<linux/virtio_features.h>)
#include <linux/virtio_features.h>
#endif

/* Prototypes of the PCI core functions under test, as the kernel tree declares them (written by the build). */
#if __has_include("oracle_protos.h")
#include "oracle_protos.h"
#endif
#endif
