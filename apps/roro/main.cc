// The `roro` command-line tool. Subcommands live in commands/*.cc and register themselves.
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <stdexcept>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "roro/command_registry.h"

namespace roro::cli {

std::vector<Command>& CommandRegistry() {
  static std::vector<Command> commands;
  return commands;
}

bool RegisterCommand(Command command) {
  CommandRegistry().push_back(std::move(command));
  return true;
}

namespace {
bool verbose_flag = false;
}  // namespace

bool Verbose() { return verbose_flag; }

}  // namespace roro::cli

namespace {
std::string FullName(const CLI::App* sub) {
  std::string name = sub->get_name();
  for (const CLI::App* parent = sub->get_parent(); parent && parent->get_parent(); parent = parent->get_parent())
    name = parent->get_name() + " " + name;
  return name;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace roro::cli;
  CLI::App app{"roro: provably stable modular recurrent networks (RNNs of RNNs)", "roro"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", std::string("roro 0.1.0"));
  app.add_flag("-v,--verbose", verbose_flag, "Log progress to stderr");
  app.fallthrough();

  auto& commands = CommandRegistry();
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (const Command& command : commands) {
    // "bench train" is subcommand "train" of a group "bench" (made on first use).
    CLI::App* parent = &app;
    std::string name = command.name;
    if (auto space = name.find(' '); space != std::string::npos) {
      const std::string group = name.substr(0, space);
      name = name.substr(space + 1);
      CLI::App* existing = nullptr;
      for (CLI::App* candidate : app.get_subcommands([](CLI::App*) { return true; }))
        if (candidate->get_name() == group) existing = candidate;
      if (existing == nullptr) {
        const std::string about = group == "bench"    ? "Benchmarks that print figures"
                                  : group == "ablate" ? "Ablation studies of trained models"
                                  : group == "analyze" ? "Analyses of trained networks (dynamics, similarity, gradient flow)"
                                                       : "Commands";
        existing = app.add_subcommand(group, about + " (" + group + " SUBCOMMAND --help)");
        existing->require_subcommand(1, 1);
      }
      parent = existing;
    }
    CLI::App* sub = parent->add_subcommand(name, command.description);
    actions.emplace_back(sub, command.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // prints help, returns 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage
    return kExitUsage;
  }
  spdlog::set_level(verbose_flag ? spdlog::level::info : spdlog::level::warn);
  spdlog::set_default_logger(spdlog::stderr_color_mt("roro"));

  for (auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    try {
      return action();
    } catch (const CliError& e) {
      std::cerr << "roro " << FullName(sub) << ": " << e.what() << "\n";
      return e.code();
    } catch (const std::invalid_argument& e) {
      std::cerr << "roro " << FullName(sub) << ": error: " << e.what() << "\n";
      return kExitDataError;
    } catch (const std::bad_alloc&) {
      std::cerr << "roro " << FullName(sub) << ": error: out of memory\n";
      return kExitSoftware;
    } catch (const std::exception& e) {
      std::cerr << "roro " << FullName(sub) << ": error: " << e.what() << "\n";
      return kExitSoftware;
    }
  }
  return kExitUsage;
}
