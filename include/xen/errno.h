/*
 * xen/errno.h: error numbers of the Xen guest ABI.
 *
 * This is pvmm's own rendering of Xen's public errno list. The values must
 * match Xen's exactly: hypercalls return them negated (-XEN_EINVAL) and guest
 * kernels compare against them. They coincide with the Linux x86 errno values.
 * Freestanding: usable from the core, hosted tools, pvmm-hv and guests.
 */
#ifndef PVMM_XEN_ERRNO_H
#define PVMM_XEN_ERRNO_H

#define XEN_EPERM          1   /* operation not permitted */
#define XEN_ENOENT         2   /* no such entry */
#define XEN_ESRCH          3   /* no such domain */
#define XEN_EINTR          4   /* interrupted (internal to the hypervisor) */
#define XEN_EIO            5   /* I/O error */
#define XEN_ENXIO          6   /* no such device or address */
#define XEN_E2BIG          7   /* argument list too long */
#define XEN_ENOEXEC        8   /* exec format error */
#define XEN_EBADF          9   /* bad file number */
#define XEN_ECHILD        10   /* no child processes */
#define XEN_EAGAIN        11   /* try again */
#define XEN_EWOULDBLOCK   11   /* alias of XEN_EAGAIN */
#define XEN_ENOMEM        12   /* out of memory */
#define XEN_EACCES        13   /* permission denied */
#define XEN_EFAULT        14   /* bad guest address */
#define XEN_EBUSY         16   /* resource busy */
#define XEN_EEXIST        17   /* already exists */
#define XEN_EXDEV         18   /* cross-device link */
#define XEN_ENODEV        19   /* no such device */
#define XEN_ENOTDIR       20   /* not a directory */
#define XEN_EISDIR        21   /* is a directory */
#define XEN_EINVAL        22   /* invalid argument */
#define XEN_ENFILE        23   /* file table overflow */
#define XEN_EMFILE        24   /* too many open files */
#define XEN_ENOSPC        28   /* no space left */
#define XEN_EROFS         30   /* read-only file system */
#define XEN_EMLINK        31   /* too many links */
#define XEN_EDOM          33   /* argument out of domain */
#define XEN_ERANGE        34   /* result out of range */
#define XEN_EDEADLK       35   /* deadlock would occur */
#define XEN_EDEADLOCK     35   /* alias of XEN_EDEADLK */
#define XEN_ENAMETOOLONG  36   /* name too long */
#define XEN_ENOLCK        37   /* no locks available */
#define XEN_ENOSYS        38   /* function not implemented */
#define XEN_ENOTEMPTY     39   /* not empty */
#define XEN_ENODATA       61   /* no data available */
#define XEN_ETIME         62   /* timer expired */
#define XEN_EBADMSG       74   /* not a data message */
#define XEN_EOVERFLOW     75   /* value too large */
#define XEN_EILSEQ        84   /* illegal byte sequence */
#define XEN_ERESTART      85   /* restart the hypercall (internal; never returned to a guest) */
#define XEN_EUSERS        87   /* too many users */
#define XEN_EOPNOTSUPP    95   /* operation not supported */
#define XEN_EADDRINUSE    98   /* address already in use */
#define XEN_EADDRNOTAVAIL 99   /* cannot assign requested address */
#define XEN_ENOBUFS      105   /* no buffer space available */
#define XEN_EISCONN      106   /* already connected */
#define XEN_ENOTCONN     107   /* not connected */
#define XEN_ETIMEDOUT    110   /* timed out */
#define XEN_ECONNREFUSED 111   /* connection refused */

/*
 * Return the symbolic name ("EINVAL") of a Xen error number, given either
 * positive or negated. Unknown values give "E?". Aliases report the primary
 * name (XEN_EWOULDBLOCK gives "EAGAIN").
 */
static inline const char *xen_errno_name(int err)
{
    /* Negate in unsigned arithmetic so that INT_MIN cannot overflow. */
    unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

    switch (e) {
    case XEN_EPERM:          return "EPERM";
    case XEN_ENOENT:         return "ENOENT";
    case XEN_ESRCH:          return "ESRCH";
    case XEN_EINTR:          return "EINTR";
    case XEN_EIO:            return "EIO";
    case XEN_ENXIO:          return "ENXIO";
    case XEN_E2BIG:          return "E2BIG";
    case XEN_ENOEXEC:        return "ENOEXEC";
    case XEN_EBADF:          return "EBADF";
    case XEN_ECHILD:         return "ECHILD";
    case XEN_EAGAIN:         return "EAGAIN";
    case XEN_ENOMEM:         return "ENOMEM";
    case XEN_EACCES:         return "EACCES";
    case XEN_EFAULT:         return "EFAULT";
    case XEN_EBUSY:          return "EBUSY";
    case XEN_EEXIST:         return "EEXIST";
    case XEN_EXDEV:          return "EXDEV";
    case XEN_ENODEV:         return "ENODEV";
    case XEN_ENOTDIR:        return "ENOTDIR";
    case XEN_EISDIR:         return "EISDIR";
    case XEN_EINVAL:         return "EINVAL";
    case XEN_ENFILE:         return "ENFILE";
    case XEN_EMFILE:         return "EMFILE";
    case XEN_ENOSPC:         return "ENOSPC";
    case XEN_EROFS:          return "EROFS";
    case XEN_EMLINK:         return "EMLINK";
    case XEN_EDOM:           return "EDOM";
    case XEN_ERANGE:         return "ERANGE";
    case XEN_EDEADLK:        return "EDEADLK";
    case XEN_ENAMETOOLONG:   return "ENAMETOOLONG";
    case XEN_ENOLCK:         return "ENOLCK";
    case XEN_ENOSYS:         return "ENOSYS";
    case XEN_ENOTEMPTY:      return "ENOTEMPTY";
    case XEN_ENODATA:        return "ENODATA";
    case XEN_ETIME:          return "ETIME";
    case XEN_EBADMSG:        return "EBADMSG";
    case XEN_EOVERFLOW:      return "EOVERFLOW";
    case XEN_EILSEQ:         return "EILSEQ";
    case XEN_ERESTART:       return "ERESTART";
    case XEN_EUSERS:         return "EUSERS";
    case XEN_EOPNOTSUPP:     return "EOPNOTSUPP";
    case XEN_EADDRINUSE:     return "EADDRINUSE";
    case XEN_EADDRNOTAVAIL:  return "EADDRNOTAVAIL";
    case XEN_ENOBUFS:        return "ENOBUFS";
    case XEN_EISCONN:        return "EISCONN";
    case XEN_ENOTCONN:       return "ENOTCONN";
    case XEN_ETIMEDOUT:      return "ETIMEDOUT";
    case XEN_ECONNREFUSED:   return "ECONNREFUSED";
    default:                 return "E?";
    }
}

#endif /* PVMM_XEN_ERRNO_H */
