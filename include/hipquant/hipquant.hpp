// Everything hipquant offers, in one include.
#pragma once

#include "hipquant/gguf/gguf.hpp"
#include "hipquant/gguf/upload.hpp"
#include "hipquant/gguf/writer.hpp"
#include "hipquant/quant/blocks.hpp"
#include "hipquant/quant/decode.hpp"
#include "hipquant/quant/half.hpp"
#include "hipquant/quant/ops.hpp"
#include "hipquant/quant/reference.hpp"
#include "hipquant/quant/storage.hpp"
#include "hipquant/quant/types.hpp"
#include "hipquant/runtime/device.hpp"
#include "hipquant/runtime/error.hpp"
#include "hipquant/runtime/event.hpp"
#include "hipquant/runtime/launch.hpp"
#include "hipquant/runtime/memory.hpp"
#include "hipquant/runtime/module.hpp"
