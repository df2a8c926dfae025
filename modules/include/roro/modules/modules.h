#pragma once
/// @file Umbrella header of the modules component.
#include "roro/modules/generators.h"
#include "roro/modules/module.h"
#include "roro/modules/random.h"
#include "roro/modules/svd_parameterization.h"
