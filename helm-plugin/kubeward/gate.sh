#!/bin/sh
# Runs `kubeward gate` with helm's rendered manifests on stdin. $KUBEWARD names the command when
# kubeward is not on the PATH (for example KUBEWARD="npx --no-install kubeward").
exec ${KUBEWARD:-kubeward} gate "$@"
