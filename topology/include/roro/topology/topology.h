#pragma once
/// @file Umbrella header of the topology component (graph, network, formats).
#include "roro/topology/model_file.h"
#include "roro/topology/module_graph.h"
#include "roro/topology/network.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/npy.h"
#include "roro/topology/npy_directory.h"
#include "roro/topology/simulate.h"
#include "roro/topology/topologies.h"
