// The library namespaces the commands work with, so each command file lists only what is particular to it.
global using System.CommandLine;
global using NotebookSupport.Data;
global using NotebookSupport.Data.Nli;
global using NotebookSupport.Evaluation;
global using NotebookSupport.Hub;
global using NotebookSupport.Losses;
global using NotebookSupport.Models;
global using NotebookSupport.Plotting;
global using NotebookSupport.Training;
global using NotebookSupport.Util;
