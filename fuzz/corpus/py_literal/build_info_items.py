import collections
build_info = collections.OrderedDict()
build_info['cuda_version'] = '64_101'
build_info['is_cuda_build'] = True
