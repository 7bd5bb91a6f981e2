#if defined(__GNUC__)

#if __GNUC__ > 15

#error -- unsupported GNU version! gcc versions later than 15 are not supported!

#endif /* __GNUC__ > 15 */

#endif /* __GNUC__ */
